import { describe, expect, it } from 'vitest';
import { allowPreframed, GRPC_PREFIX_BYTES, grpcFramed, PREFRAME } from './preframed-messages.js';

/** A base call as grpc-js 1.14 has it: serializeMessage on the prototype frames with a copy. */
class FakeBaseCall {
  serializeMessage(value: unknown): Buffer {
    const body = Buffer.from(String(value));
    return grpcFramed(Buffer.concat([Buffer.alloc(GRPC_PREFIX_BYTES), body]), body.length);
  }
}

describe('allowPreframed', () => {
  it('hooks the base call under the stream and its interceptor wrappers', () => {
    const base = new FakeBaseCall();
    const stream = { call: { nextCall: { nextCall: base } } };
    expect(allowPreframed(stream)).toBe(true);
    const own = Buffer.from([0, 0, 0, 0, 1, 42]);
    expect(base.serializeMessage({ [PREFRAME]: () => own })).toBe(own);
    // Every other message goes grpc-js' way.
    expect(base.serializeMessage('hi')).toEqual(Buffer.from([0, 0, 0, 0, 2, 0x68, 0x69]));
    // Other calls of the same class are not touched.
    expect(Object.hasOwn(new FakeBaseCall(), 'serializeMessage')).toBe(false);
  });

  it('changes nothing where no base call is found', () => {
    const lone = { call: { nextCall: { stream: {} } } };
    expect(allowPreframed(lone)).toBe(false);
    expect(allowPreframed({})).toBe(false);
    const tooDeep: Record<string, unknown> = {};
    let c = tooDeep;
    for (let i = 0; i < 10; i++) {
      const next: Record<string, unknown> = {};
      c.nextCall = next;
      c = next;
    }
    c.nextCall = new FakeBaseCall();
    expect(allowPreframed(tooDeep)).toBe(false);
  });

  it('frames a message behind an uncompressed length prefix', () => {
    const buf = Buffer.alloc(20, 0xee);
    buf.write('abc', GRPC_PREFIX_BYTES);
    expect(grpcFramed(buf, 3)).toEqual(Buffer.from([0, 0, 0, 0, 3, 0x61, 0x62, 0x63]));
  });
});
