package org.replicator.core.role;

import java.util.Objects;

/**
 * Which node is master, as a numbered claim: each change of master ({@code replicator promote})
 * makes the next epoch. Every node persists the highest epoch it has seen and the node that is
 * master at it; the highest epoch wins. Epoch 0 is the cluster file's {@code role:} assignment
 * (nothing promoted yet).
 */
public record Epoch(long number, String master) {
  public Epoch {
    Objects.requireNonNull(master, "master");
    if (number < 0) {
      throw new IllegalArgumentException("epoch " + number + " is negative");
    }
    if (master.isEmpty()) {
      throw new IllegalArgumentException("epoch " + number + " names no master");
    }
  }

  /** The epoch that follows this one with {@code node} as master (a promotion). */
  public Epoch next(String node) {
    return new Epoch(Math.addExact(number, 1), node);
  }

  public boolean isNewerThan(Epoch other) {
    return number > other.number;
  }

  @Override
  public String toString() {
    return "epoch " + number + " (master " + master + ")";
  }
}
