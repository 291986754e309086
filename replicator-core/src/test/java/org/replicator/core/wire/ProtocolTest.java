package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.replicator.core.path.UnsafePathException;

class ProtocolTest {

  @Test
  void sameMajorWithinOneMinorIsCompatible() {
    assertThat(Protocol.compatible(Protocol.MAJOR, Protocol.MINOR)).isTrue();
    assertThat(Protocol.compatible(Protocol.MAJOR, Protocol.MINOR + 1)).isTrue();
    assertThat(Protocol.compatible(Protocol.MAJOR, Protocol.MINOR + 2)).isFalse();
    assertThat(Protocol.compatible(Protocol.MAJOR + 1, Protocol.MINOR)).isFalse();
    assertThat(Protocol.compatible(Protocol.MAJOR - 1, Protocol.MINOR)).isFalse();
    assertThat(Protocol.compatible(Protocol.MAJOR, -1)).isFalse();
  }

  @Test
  void bothSidesSpeakTheLowerMinor() {
    assertThat(Protocol.negotiatedMinor(Protocol.MINOR + 1)).isEqualTo(Protocol.MINOR);
  }

  @Test
  void errorCodesMapBothWaysAndUnknownNumbersStayUnknown() {
    for (ErrorCode code : ErrorCode.values()) {
      assertThat(ErrorCode.ofWire(code.wire())).contains(code);
    }
    assertThat(ErrorCode.ofWire(0)).isEmpty();
    assertThat(ErrorCode.ofWire(999)).isEmpty();
    assertThat(ErrorCode.VERSION_MISMATCH.wire()).isEqualTo(1);
    assertThat(ErrorCode.INTERNAL.wire()).isEqualTo(8);
  }

  @Test
  void exceptionsMapToErrorCodesInOnePlace() {
    assertThat(ErrorCode.forException(new UnsafePathException("..", "x"))).isEqualTo(ErrorCode.UNSAFE_PATH);
    assertThat(ErrorCode.forException(new ProtocolException("x"))).isEqualTo(ErrorCode.PROTOCOL);
    assertThat(ErrorCode.forException(new IllegalStateException())).isEqualTo(ErrorCode.INTERNAL);
  }

  /** The codes docs/protocol.md promises for each refused HELLO (wrong node 3, not the master 4, ...). */
  @Test
  void everyRefusedHelloMapsToTheCodeTheDocsPromise() {
    assertThat(refused(HelloRefusedException.Check.VERSION)).isEqualTo(1);
    assertThat(refused(HelloRefusedException.Check.CLUSTER)).isEqualTo(2);
    assertThat(refused(HelloRefusedException.Check.CONFIG_HASH)).isEqualTo(2);
    assertThat(refused(HelloRefusedException.Check.TARGET_NODE)).isEqualTo(3);
    assertThat(refused(HelloRefusedException.Check.SENDER_IS_MASTER)).isEqualTo(4);
    assertThat(refused(HelloRefusedException.Check.MARKER)).isEqualTo(7);
  }

  private static int refused(HelloRefusedException.Check check) {
    return ErrorCode.forException(new HelloRefusedException(check, "reason")).wire();
  }

  @Test
  void frameTypeCodesAreUniqueAndUnknownCodesAreNull() {
    for (FrameType type : FrameType.values()) {
      assertThat(FrameType.ofCode(type.code())).isEqualTo(type);
    }
    assertThat(FrameType.ofCode(0)).isNull();
    assertThat(FrameType.ofCode(0xff)).isNull();
    assertThat(FrameType.ofCode(300)).isNull();
  }
}
