package org.replicator.agent.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A start fails with the same error whether its work ran inline or on a thread of its own. */
class StartupResultsTest {
  @Test
  void aResultIsReturned() throws Exception {
    assertThat(StartupResults.await(CompletableFuture.completedFuture("index"))).isEqualTo("index");
  }

  @Test
  void anIoFailureOfTheWorkIsThrownAsItWas() {
    IOException cause = new IOException("docroot /srv/www is missing");
    assertThatThrownBy(() -> StartupResults.await(CompletableFuture.failedFuture(cause))).isSameAs(cause);
  }

  @Test
  void anUncheckedFailureOrErrorIsThrownAsItWas() {
    IllegalStateException bug = new IllegalStateException("bad key");
    OutOfMemoryError oom = new OutOfMemoryError("heap");
    assertThatThrownBy(() -> StartupResults.await(CompletableFuture.failedFuture(bug))).isSameAs(bug);
    assertThatThrownBy(() -> StartupResults.await(CompletableFuture.failedFuture(oom))).isSameAs(oom);
  }

  @Test
  void anyOtherCheckedFailureBecomesAnIoFailureWithItsMessage() {
    Exception other = new java.security.GeneralSecurityException("certificate expired");
    assertThatThrownBy(() -> StartupResults.await(CompletableFuture.failedFuture(other)))
        .isInstanceOf(IOException.class).hasMessage("certificate expired").hasCause(other);
  }
}
