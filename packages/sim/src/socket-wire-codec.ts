/**
 * The messages a SocketWire carries (see socket-wire.ts): each is a u32 BE
 * length of what follows, a u8 type and the payload.
 *
 *   FRAME (1)  an Ethernet frame
 *   STATE (2)  one byte: bit 0 the port is administratively up, bit 1 its device is alive
 *
 * Owns: encoding and the incremental reader. Never: sockets.
 */

/** MAX_MESSAGE: the largest message accepted (a jumbo frame and its type byte, with room). */
export const MAX_MESSAGE = 16 * 1024;

/** WireMsg: the message types. */
export const WireMsg = { FRAME: 1, STATE: 2 } as const;

/** WireMessage: one decoded message. */
export type WireMessage =
  | { readonly type: 'frame'; readonly frame: Buffer }
  | { readonly type: 'state'; readonly adminUp: boolean; readonly alive: boolean };

/** encodeFrame: a FRAME message. */
export function encodeFrame(frame: Buffer): Buffer {
  return encode(WireMsg.FRAME, frame);
}

/** encodeState: a STATE message. */
export function encodeState(adminUp: boolean, alive: boolean): Buffer {
  return encode(WireMsg.STATE, Buffer.from([(adminUp ? 1 : 0) | (alive ? 2 : 0)]));
}

function encode(type: number, payload: Buffer): Buffer {
  if (payload.length + 1 > MAX_MESSAGE) {
    throw new RangeError(`a message holds at most ${MAX_MESSAGE - 1} bytes`);
  }
  const head = Buffer.allocUnsafe(5);
  head.writeUInt32BE(payload.length + 1, 0);
  head[4] = type;
  return Buffer.concat([head, payload]);
}

/**
 * MessageReader: decodes messages from a byte stream cut anywhere. `push`
 * returns the messages completed by `chunk`, or `undefined` once the stream
 * holds something that is not a message (bad length or type, malformed
 * STATE); after that it returns undefined for good.
 */
export class MessageReader {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  push(chunk: Buffer): WireMessage[] | undefined {
    if (this.broken) return undefined;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: WireMessage[] = [];
    while (this.pending.length >= 4) {
      const len = this.pending.readUInt32BE(0);
      if (len < 1 || len > MAX_MESSAGE) return this.fail();
      if (this.pending.length < 4 + len) break;
      const type = this.pending[4];
      const payload = this.pending.subarray(5, 4 + len);
      this.pending = this.pending.subarray(4 + len);
      if (type === WireMsg.FRAME) {
        // The receiver keeps the frame past this chunk: bytes of its own.
        out.push({ type: 'frame', frame: Buffer.from(payload) });
      } else if (type === WireMsg.STATE && payload.length === 1 && (payload[0] as number) < 4) {
        const f = payload[0] as number;
        out.push({ type: 'state', adminUp: (f & 1) !== 0, alive: (f & 2) !== 0 });
      } else {
        return this.fail();
      }
    }
    return out;
  }

  private fail(): undefined {
    this.broken = true;
    this.pending = Buffer.alloc(0);
    return undefined;
  }
}
