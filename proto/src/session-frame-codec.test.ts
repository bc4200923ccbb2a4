import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionRequest, SessionResponse } from './gen/auxctl/v1/ctl_service.js';
import { sessionRequestCodec, sessionResponseCodec } from './session-frame-codec.js';
import * as arb from './test-support/arbitraries.js';
import { anyBytes, expectDecodedAlike, plain, varint } from './test-support/codec-checks.js';

const rpcRequest = arb.rpc.map((rpc): SessionRequest => ({ kind: { $case: 'rpc', rpc } }));
const resultResponse = arb.rpcResult.map(
  (result): SessionResponse => ({ kind: { $case: 'result', result } }),
);

describe('session frame codec', () => {
  it('encodes every request and response byte for byte as the generated codec does', () => {
    fc.assert(
      fc.property(fc.oneof(rpcRequest, arb.sessionRequest), (m) => {
        const fast = sessionRequestCodec.encode(m);
        expect(fast.equals(Buffer.from(SessionRequest.encode(m).finish()))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.oneof(resultResponse, arb.sessionResponse), (m) => {
        const fast = sessionResponseCodec.encode(m);
        expect(fast.equals(Buffer.from(SessionResponse.encode(m).finish()))).toBe(true);
      }),
    );
  });

  it('decodes what it encodes to the message the generated decoder gives', () => {
    fc.assert(
      fc.property(fc.oneof(rpcRequest, arb.sessionRequest), (m) => {
        const bytes = sessionRequestCodec.encode(m);
        expect(plain(sessionRequestCodec.decode(bytes))).toEqual(
          plain(SessionRequest.decode(bytes)),
        );
      }),
    );
    fc.assert(
      fc.property(fc.oneof(resultResponse, arb.sessionResponse), (m) => {
        const bytes = sessionResponseCodec.encode(m);
        expect(plain(sessionResponseCodec.decode(bytes))).toEqual(
          plain(SessionResponse.decode(bytes)),
        );
      }),
    );
  });

  it('any bytes decode as the generated decoder decodes them, or fail as it fails', () => {
    // Frames near the fast path's shape (tag 0x12 and a length), then anything.
    const nearFrame = fc
      .uint8Array({ maxLength: 40 })
      .map((tail) => Buffer.from([0x12, tail.length, ...tail]));
    fc.assert(
      fc.property(fc.oneof(nearFrame, anyBytes), (buf) => {
        expectDecodedAlike(sessionRequestCodec.decode, SessionRequest.decode, buf);
        expectDecodedAlike(sessionResponseCodec.decode, SessionResponse.decode, buf);
      }),
    );
  });

  it('values the fast path does not take decode as the generated decoder decodes them', () => {
    const frame = (inner: number[]) => Buffer.from([0x12, inner.length, ...inner]);
    const cases = [
      frame([0x18, ...varint(2 ** 32 + 5)]), // out_len past a uint32: truncated by the generated decoder
      frame([0x08, ...varint(2 ** 53 + 2)]), // request_id past 2^53: the generated decoder throws
      frame([0x18, 0x10, 0x08, 0x01]), // fields out of order
      frame([0x08, 0x01, 0x08, 0x02]), // a field twice (the last wins)
      frame([0x20, 0x01]), // an unknown field
    ];
    for (const buf of cases) {
      expectDecodedAlike(sessionRequestCodec.decode, SessionRequest.decode, buf);
    }
  });
});
