package org.replicator.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What verify and resync print while the agent works, from the master's status (time is fake). */
class CheckProgressTest {
  private final StringWriter text = new StringWriter();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private static JsonNode slaves(String checkJson) throws Exception {
    return new ObjectMapper().readTree("[{\"name\":\"web2\",\"check\":" + checkJson + "},{\"name\":\"web3\",\"check\":null}]");
  }

  private static String waiting(String what) {
    return "{\"kind\":\"verify\",\"phase\":\"waiting\",\"elapsedMillis\":10,\"waitingFor\":\"" + what + "\"}";
  }

  @Test
  void whatACheckWaitsForIsSaidAtOnceAndOncePerChange() throws Exception {
    CheckProgress progress = new CheckProgress(new PrintWriter(text), false, nanos::get);
    progress.show(slaves(waiting("waiting for slave web2 to connect")));
    progress.show(slaves(waiting("waiting for slave web2 to connect")));
    progress.show(slaves(waiting("waiting for slave web2 to finish catching up")));
    assertThat(text.toString()).isEqualTo("web2: waiting for slave web2 to connect\nweb2: waiting for slave web2 to finish catching up\n");
  }

  @Test
  void withoutATerminalAPlainLineAtOnceThenEveryFiveSeconds() throws Exception {
    CheckProgress progress = new CheckProgress(new PrintWriter(text), false, nanos::get);
    String transferring = "{\"kind\":\"resync\",\"phase\":\"transferring\",\"filesTotal\":10,\"filesDone\":5,\"bytesTotal\":2048,"
        + "\"bytesDone\":1024,\"elapsedMillis\":2000}";
    progress.show(slaves("{\"kind\":\"verify\",\"phase\":\"comparing\",\"elapsedMillis\":1000}"));
    nanos.addAndGet(1_000_000_000L);
    progress.show(slaves(transferring)); // 1 s later: not yet
    nanos.addAndGet(4_000_000_000L);
    progress.show(slaves(transferring));
    progress.done();
    assertThat(text.toString().lines()).containsExactly(
        "[  0.0s] web2 comparing (the slave lists and hashes its tree) 1 s",
        "[  5.0s] web2 transferring [##########..........] 5/10 files 1.0 KiB/2.0 KiB 512 B/s ETA 2s");
  }

  @Test
  void onATerminalTheBarIsRedrawnInPlaceAndEndedBeforeOtherLines() throws Exception {
    CheckProgress progress = new CheckProgress(new PrintWriter(text), true, nanos::get);
    progress.show(slaves("{\"kind\":\"resync\",\"phase\":\"applying\",\"filesTotal\":2,\"filesDone\":2,\"bytesTotal\":0,\"bytesDone\":0,"
        + "\"elapsedMillis\":1000}"));
    progress.show(slaves(waiting("waiting for slave web2 to connect")));
    progress.done();
    assertThat(text.toString()).startsWith("\rweb2 applying [####################] 2/2 files")
        .endsWith("\nweb2: waiting for slave web2 to connect\n");
  }

  @Test
  void noAnswerFromTheAgentDrawsNothing() {
    CheckProgress progress = new CheckProgress(new PrintWriter(text), false, nanos::get);
    progress.show(null);
    progress.done();
    assertThat(text.toString()).isEmpty();
  }
}
