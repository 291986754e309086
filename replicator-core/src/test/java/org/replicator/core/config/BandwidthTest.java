package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BandwidthTest {
  @ParameterizedTest(name = "{0} = {1} B/s")
  @CsvSource({
    "0, 0",
    "2048, 2048",
    "1K, 1024",
    "1k, 1024",
    "1KiB, 1024",
    "1KB, 1000",
    "20M, 20971520",
    "20 MiB, 20971520",
    "20MB, 20000000",
    "1.5M, 1572864",
    "1G, 1073741824",
    "1GB, 1000000000",
  })
  void suffixesFollowRsyncRule(String text, long expected) {
    assertThat(Bandwidth.parse(text)).isEqualTo(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "fast", "1T", "1 M/s", "-1K", "1e6", "100", "0.5K"})
  void nonRatesAndTinyRatesAreRefused(String text) {
    assertThatThrownBy(() -> Bandwidth.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
