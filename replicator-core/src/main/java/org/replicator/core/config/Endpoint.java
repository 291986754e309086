package org.replicator.core.config;

import java.util.Objects;

/**
 * A listening address from the cluster file, written {@code host:port} ({@code [fd00::1]:9731} for
 * an IPv6 literal): where a node's metrics or agent-check endpoint binds. Parsing checks the shape
 * and the port range only; whether the host resolves is found out when the agent binds.
 */
public record Endpoint(String host, int port) {
  public Endpoint {
    Objects.requireNonNull(host, "host");
  }

  /**
   * Parses {@code host:port}; the message of the exception says what is wrong, for the caller to
   * prefix with the file, line and key.
   */
  public static Endpoint parse(String text) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("'" + text + "' is not host:port; write an IPv6 address as [fd00::1]:9731");
      }
      host = text.substring(1, close);
      port = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("'" + text + "' has no port; expected host:port, e.g. 127.0.0.1:9731");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("'" + text + "' is ambiguous; write an IPv6 address in brackets: [" + host + "]:" + port);
      }
    }
    if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '[' || c == ']' || c == 0x7f)) {
      throw new IllegalArgumentException("'" + text + "': '" + host + "' is not a host name or IP address");
    }
    if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("'" + text + "': port '" + port + "' is not a number 1..65535");
    }
    int p = Integer.parseInt(port);
    if (p < 1 || p > 65535) {
      throw new IllegalArgumentException("'" + text + "': port " + p + " is out of range 1..65535");
    }
    return new Endpoint(host, p);
  }

  /** {@code host:port}, IPv6 literals bracketed: the form {@link #parse} reads back. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return address();
  }
}
