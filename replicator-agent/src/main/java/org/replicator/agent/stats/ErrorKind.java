package org.replicator.agent.stats;

/**
 * What went wrong, as counted in {@code replicator_errors_total{kind}} and status JSON's {@code
 * errors}. Each kind is one class of problem an operator handles the same way; the log line of the
 * event names the path or peer. Labels never carry paths.
 */
public enum ErrorKind {
  /** Master or slave scan: a path could not be read (permission denied, vanished mid-read). */
  READ("read"),
  /** A name or path refused: not valid UTF-8, reached through a symlink, not replicable. */
  PATH_REFUSED("path-refused"),
  /** Master: planning a batch failed; every slave is caught up by diff. */
  PLAN("plan"),
  /** A replication connection failed, was refused, or was cut (either role). */
  CONNECTION("connection"),
  /** Master: files a slave reported it could not apply (counted from its acknowledgements). */
  SLAVE_APPLY("slave-apply"),
  /** Slave: a file or op could not be applied (disk full, permission denied, bad hash). */
  APPLY("apply"),
  /** Slave: the master broke the protocol or sent an unsafe path; the connection was closed. */
  PROTOCOL("protocol"),
  /** Slave: the applied batch number could not be persisted. */
  PERSIST("persist"),
  /** A bug or an unexpected local failure. */
  INTERNAL("internal");

  private final String label;

  ErrorKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
