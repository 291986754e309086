package org.replicator.core.stack;

import java.util.Locale;

/** What {@code replicator generate} can write; {@code all} on the command line is every one. */
public enum StackTarget {
  HAPROXY,
  NGINX,
  PHP,
  GALERA,
  GALERA_CHECK,
  MEMCACHED,
  SYSTEMD,
  WORDPRESS;

  /** The command-line name: {@code haproxy}, {@code galera-check}, ... */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static StackTarget ofCliName(String name) {
    for (StackTarget t : values()) {
      if (t.cliName().equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException("'" + name + "' is not one of haproxy, nginx, php, galera, galera-check, memcached, systemd, wordpress, all");
  }
}
