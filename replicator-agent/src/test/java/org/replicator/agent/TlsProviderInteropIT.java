package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.tls.TlsProvider;

/**
 * Nodes on different TLS providers replicate together: a cluster upgraded node by node, or a node
 * where BoringSSL cannot load and the agent fell back to the JDK, must keep working. Each slave
 * gets its own provider, then the master its own; the provider is read when a node starts.
 */
class TlsProviderInteropIT {
  @TempDir Path dir;

  @AfterEach
  void restore() {
    System.clearProperty(TlsProvider.PROPERTY);
  }

  @ParameterizedTest(name = "master on {0}, slaves on {1} and {2}")
  @CsvSource({"jdk, openssl, jdk", "openssl, jdk, openssl"})
  void mixedProvidersReplicate(String master, String slave1, String slave2) throws Exception {
    Assumptions.assumeTrue(OpenSsl.isAvailable(), "BoringSSL does not load on this platform");
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "")) {
      Path root = cluster.docroot("master");
      Files.writeString(root.resolve("index.php"), "<?php echo 'mixed';");
      byte[] big = new byte[3 << 20];
      new Random(7).nextBytes(big);
      Files.write(root.resolve("video.mp4"), big);

      System.setProperty(TlsProvider.PROPERTY, slave1);
      cluster.start("slave1");
      System.setProperty(TlsProvider.PROPERTY, slave2);
      cluster.start("slave2");
      System.setProperty(TlsProvider.PROPERTY, master);
      cluster.start("master");

      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      Files.writeString(root.resolve("live.txt"), "after the handshake");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
    }
  }
}
