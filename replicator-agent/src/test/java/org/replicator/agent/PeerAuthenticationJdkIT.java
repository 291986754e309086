package org.replicator.agent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.replicator.agent.tls.TlsProvider;

/**
 * Every case of {@link PeerAuthenticationIT} again on the JDK's TLS, the provider an agent falls
 * back to where BoringSSL cannot load: rejections must read and log the same on both.
 */
class PeerAuthenticationJdkIT extends PeerAuthenticationIT {
  @BeforeAll
  static void forceJdk() {
    System.setProperty(TlsProvider.PROPERTY, "jdk");
  }

  @AfterAll
  static void restore() {
    System.clearProperty(TlsProvider.PROPERTY);
  }
}
