package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;

/** {@code replicator import-lsyncd}: what it writes, what it reports, and its exit codes. */
class ImportLsyncdCommandTest {
  @TempDir Path dir;


  private Path lua(String text) throws Exception {
    return Files.writeString(dir.resolve("lsyncd.conf.lua"), text, StandardCharsets.UTF_8);
  }

  @Test
  void aFileThatMapsWholeExitsZeroAndTheWrittenFileLoads() throws Exception {
    Path lua = lua("sync { default.rsyncssh, source = '/var/www/shop', host = 'web2', targetdir = '/var/www/shop', delay = 0.5 }\n");
    Path out = dir.resolve("cluster.yaml");
    CliRun r = CliRun.of("import-lsyncd", lua.toString(), "--out", out.toString());
    assertThat(r.exit()).as(r.err()).isEqualTo(ExitCode.OK);
    assertThat(r.out()).isEmpty();
    ClusterConfig config = ClusterConfigLoader.load(out);
    assertThat(config.cluster()).isEqualTo("shop");
    assertThat(config.batchWindowMillis()).isEqualTo(500);
    assertThat(r.err()).contains("replicator certs").contains("replicator adopt --config /etc/replicator/cluster.yaml --node <name>")
        .contains("(web2)");
  }

  @Test
  void somethingLeftOutExitsOneListsItWithItsLineAndStillWritesToStdout() throws Exception {
    Path lua = lua("settings { logfile = '/var/log/lsyncd.log' }\n"
        + "sync { default.rsync, source = '/var/www/html', target = 'web2:/var/www/html',\n"
        + "  rsync = { xattrs = true } }\n");
    CliRun r = CliRun.of("import-lsyncd", lua.toString(), "--cluster", "prod");
    assertThat(r.exit()).isEqualTo(ExitCode.BEHIND);
    assertThat(r.err()).contains("lsyncd.conf.lua: line 3: left out: rsync.xattrs has no Replicator equivalent")
        .contains("lsyncd.conf.lua: line 1: note: settings.logfile is not needed");
    Path written = Files.writeString(dir.resolve("from-stdout.yaml"), r.out(), StandardCharsets.UTF_8);
    assertThat(ClusterConfigLoader.load(written).cluster()).isEqualTo("prod");
  }

  @Test
  void anUnreadableOrInvalidFileExitsTwoNamingIt() throws Exception {
    CliRun missing = CliRun.of("import-lsyncd", dir.resolve("absent.lua").toString());
    assertThat(missing.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(missing.err()).contains("cannot read").contains("absent.lua: no such file");

    Path bad = lua("sync {\n  source = \"/var/www\n}\n");
    CliRun invalid = CliRun.of("import-lsyncd", bad.toString());
    assertThat(invalid.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(invalid.err()).contains("lsyncd.conf.lua: line 2: unfinished string").doesNotContain("Exception");
    assertThat(invalid.out()).isEmpty();

    Path huge = dir.resolve("huge.lua");
    Files.write(huge, new byte[(1 << 20) + 1]);
    CliRun tooLarge = CliRun.of("import-lsyncd", huge.toString());
    assertThat(tooLarge.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(tooLarge.err()).contains("huge.lua: larger than").doesNotContain("Exception");
    assertThat(tooLarge.out()).isEmpty();

    Path binary = dir.resolve("binary.lua");
    Files.write(binary, new byte[] {'s', 'y', 'n', 'c', (byte) 0xff, (byte) 0xfe, '{', '}'});
    CliRun notText = CliRun.of("import-lsyncd", binary.toString());
    assertThat(notText.exit()).as("%s", notText).isEqualTo(ExitCode.USAGE);
    assertThat(notText.err()).as("%s", notText).contains("binary.lua").doesNotContain("Exception");
    assertThat(notText.out()).isEmpty();
  }
}
