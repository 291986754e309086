package org.replicator.core.wire;

/**
 * The type byte that follows a frame's length field. Codes are part of the wire format: never
 * renumber one, only add. Codes are grouped by phase (handshake 0x0_, batches 0x1_, control 0x2_)
 * so that a hex dump reads at a glance.
 */
public enum FrameType {
  HELLO(0x01),
  HELLO_REPLY(0x02),
  MANIFEST_REQUEST(0x03),
  MANIFEST_ENTRIES(0x04),
  MANIFEST_END(0x05),
  BATCH_BEGIN(0x10),
  OP(0x11),
  DATA(0x12),
  ZEROS(0x13),
  PUT_END(0x14),
  PUT_ABORT(0x15),
  BATCH_END(0x16),
  ACK(0x17),
  /** Protocol minor 1: a range of the basis of the current patch. */
  COPY(0x18),
  ERROR(0x20),
  PING(0x21),
  PONG(0x22),
  /**
   * Protocol minor 2 (failover): a planned change of master. Slave → master: "hand over to me at
   * this epoch"; master → slave, once every earlier batch is applied: "you are master at it now".
   */
  HANDOVER(0x30);

  private static final FrameType[] BY_CODE = new FrameType[256];

  static {
    for (FrameType type : values()) {
      BY_CODE[type.code] = type;
    }
  }

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** The type with this code, or null when the code is unknown (the reader turns that into an error). */
  public static FrameType ofCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }
}
