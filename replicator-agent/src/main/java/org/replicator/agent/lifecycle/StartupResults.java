package org.replicator.agent.lifecycle;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The result of start-up work that ran on a thread of its own beside the agent's start (the
 * master's TLS set-up, the slave's startup scan), taken on the starting thread: a failure there is
 * thrown here as it was thrown there, so the start fails with the same message as if the work had
 * run inline.
 */
public final class StartupResults {
  private StartupResults() {}

  /** Waits for {@code work}; its IOException, RuntimeException or Error is rethrown as it was. */
  public static <T> T await(Future<T> work) throws IOException, InterruptedException {
    try {
      return work.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new IOException(String.valueOf(cause.getMessage()), cause);
    }
  }
}
