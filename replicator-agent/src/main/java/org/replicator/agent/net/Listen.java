package org.replicator.agent.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.unix.Errors;
import java.net.BindException;
import java.net.InetSocketAddress;

/**
 * Binds a server bootstrap and reports a taken or absent address as the JDK's {@link
 * BindException}, naming what listens and where. The native epoll transport throws its own
 * {@code NativeIoException} ("bind(..) failed with error(-98)"), which callers could not tell
 * from a configuration error: a port still held by a previous agent, or an address that early
 * boot has not configured yet, passes by itself, so the CLI exits 1 (systemd retries) instead of
 * 2 (docs/operations.md, "Exit codes").
 */
public final class Listen {
  private static final int EADDRINUSE = 98;
  private static final int EADDRNOTAVAIL = 99;

  private Listen() {}

  /** Binds {@code bootstrap} on {@code address}; {@code what} names the listener for the message. */
  public static Channel on(ServerBootstrap bootstrap, InetSocketAddress address, String what) throws InterruptedException, BindException {
    try {
      return bootstrap.bind(address).sync().channel();
    } catch (Exception e) {
      if (e instanceof BindException bind) {
        throw withContext(bind.getMessage(), what, address, bind);
      }
      if (e instanceof Errors.NativeIoException nativeError) {
        int errno = -nativeError.expectedErr();
        if (errno == EADDRINUSE) {
          throw withContext("address already in use", what, address, e);
        }
        if (errno == EADDRNOTAVAIL) {
          throw withContext("address not available on this host (yet)", what, address, e);
        }
      }
      throw e;
    }
  }

  private static BindException withContext(String reason, String what, InetSocketAddress address, Exception cause) {
    BindException out = new BindException("cannot listen for " + what + " on " + address.getHostString() + ":" + address.getPort() + ": " + reason);
    out.initCause(cause);
    return out;
  }
}
