import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  encodeState,
  MAX_MESSAGE,
  MessageReader,
  type WireMessage,
} from './socket-wire-codec.js';

const message = fc.oneof(
  fc
    .uint8Array({ minLength: 0, maxLength: 2000 })
    .map((b): WireMessage => ({ type: 'frame', frame: Buffer.from(b) })),
  fc
    .record({ adminUp: fc.boolean(), alive: fc.boolean() })
    .map((s): WireMessage => ({ type: 'state', ...s })),
);
const encode = (m: WireMessage) =>
  m.type === 'frame' ? encodeFrame(m.frame) : encodeState(m.adminUp, m.alive);

/** cut: `bytes` split at the (sorted, deduplicated) offsets. */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((a) => a % (bytes.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(from, p));
    from = p;
  }
  return out;
}

describe('socket wire messages', () => {
  it('decode to what was encoded, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 20 }), fc.array(fc.nat()), (msgs, at) => {
        const stream = Buffer.concat(msgs.map(encode));
        const r = new MessageReader();
        const got: WireMessage[] = [];
        for (const chunk of cut(stream, at)) got.push(...(r.push(chunk) ?? []));
        expect(got).toEqual(msgs);
      }),
    );
  });

  it('never throw on arbitrary bytes, and stay broken once they are not messages', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }), (chunks) => {
        const r = new MessageReader();
        let broken = false;
        for (const c of chunks) {
          const out = r.push(Buffer.from(c));
          if (broken) expect(out).toBeUndefined();
          if (out === undefined) broken = true;
        }
      }),
    );
  });

  it('refuse a length of 0 or beyond the maximum, an unknown type and a malformed state', () => {
    const head = (len: number, type: number) => {
      const b = Buffer.alloc(5);
      b.writeUInt32BE(len, 0);
      b[4] = type;
      return b;
    };
    expect(new MessageReader().push(head(0, 1))).toBeUndefined();
    expect(new MessageReader().push(head(MAX_MESSAGE + 1, 1))).toBeUndefined();
    expect(new MessageReader().push(Buffer.concat([head(2, 9), Buffer.from([0])]))).toBeUndefined();
    expect(new MessageReader().push(Buffer.concat([head(2, 2), Buffer.from([4])]))).toBeUndefined();
    expect(
      new MessageReader().push(Buffer.concat([head(3, 2), Buffer.from([1, 1])])),
    ).toBeUndefined();
    // A header alone waits for the rest.
    expect(new MessageReader().push(head(10, 1))).toEqual([]);
    expect(() => encodeFrame(Buffer.alloc(MAX_MESSAGE))).toThrow(RangeError);
  });
});
