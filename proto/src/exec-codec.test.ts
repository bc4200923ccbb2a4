import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { execRequestCodec, execResponseCodec } from './exec-codec.js';
import { ExecRequest, ExecResponse } from './gen/auxctl/v1/ctl_service.js';
import * as arb from './test-support/arbitraries.js';
import { anyBytes, expectDecodedAlike, plain, varint } from './test-support/codec-checks.js';

/** Requests the fast path takes (ASCII device names, as PCI addresses are) and any others. */
const asciiRequest = fc.record({
  device: fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)) }),
  scope: fc.oneof(arb.scope, fc.integer({ min: 0, max: 0x7fff_ffff })),
  inbox: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  outLen: fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 0xffff_ffff })),
});
const anyRequest = fc.oneof(asciiRequest, arb.execRequest);
const EMPTY_INBOX = Buffer.alloc(0);
const anyResponse = fc.oneof(
  arb.execResponse,
  fc.uint8Array({ maxLength: 300 }).map((b) => ({ outbox: Buffer.from(b) })),
);

describe('exec codec', () => {
  it('encodes every request and response byte for byte as the generated codec does', () => {
    fc.assert(
      fc.property(anyRequest, (m) => {
        const fast = execRequestCodec.encode(m);
        expect(fast.equals(Buffer.from(ExecRequest.encode(m).finish()))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(anyResponse, (m) => {
        const fast = execResponseCodec.encode(m);
        expect(fast.equals(Buffer.from(ExecResponse.encode(m).finish()))).toBe(true);
      }),
    );
  });

  it('decodes what it encodes to the message the generated decoder gives', () => {
    fc.assert(
      fc.property(anyRequest, (m) => {
        const bytes = execRequestCodec.encode(m);
        const fast = execRequestCodec.decode(bytes);
        expect(plain(fast)).toEqual(plain(ExecRequest.decode(bytes)));
        expect(plain(fast)).toEqual(plain(m));
      }),
    );
    fc.assert(
      fc.property(anyResponse, (m) => {
        const bytes = execResponseCodec.encode(m);
        expect(plain(execResponseCodec.decode(bytes))).toEqual(plain(ExecResponse.decode(bytes)));
      }),
    );
  });

  it('reads each device name anew when it differs from the one read before it', () => {
    // Names of one length that differ in a single character, and neighbours one longer or shorter.
    const name = fc.constantFrom(
      '0000:08:00.0',
      '0000:08:00.1',
      '1000:08:00.0',
      '0000:08:00.',
      '0000:08:00.10',
      '',
    );
    fc.assert(
      fc.property(fc.array(name, { minLength: 2, maxLength: 20 }), (names) => {
        for (const device of names) {
          const bytes = execRequestCodec.encode({
            device,
            scope: 1,
            inbox: EMPTY_INBOX,
            outLen: 0,
          });
          expect(execRequestCodec.decode(bytes).device).toBe(device);
        }
      }),
    );
  });

  it('answers with views into the received message, as Buffers', () => {
    const bytes = execRequestCodec.encode({
      device: '0000:08:00.0',
      scope: 2,
      inbox: Buffer.from([1, 2, 3]),
      outLen: 16,
    });
    const req = execRequestCodec.decode(bytes);
    expect(Buffer.isBuffer(req.inbox)).toBe(true);
    expect(req.inbox.buffer).toBe(bytes.buffer);
    const res = execResponseCodec.decode(execResponseCodec.encode({ outbox: Buffer.from([9]) }));
    expect(Buffer.isBuffer(res.outbox)).toBe(true);
    expect([...res.outbox]).toEqual([9]);
  });

  it('any bytes decode as the generated decoder decodes them, or fail as it fails', () => {
    // Messages near the fast path's shape (its tags with a length), then anything.
    const nearMessage = fc
      .tuple(fc.constantFrom(0x0a, 0x10, 0x1a, 0x20), fc.uint8Array({ maxLength: 40 }))
      .map(([tag, tail]) => Buffer.from([tag, tail.length, ...tail]));
    fc.assert(
      fc.property(fc.oneof(nearMessage, anyBytes), (buf) => {
        expectDecodedAlike(execRequestCodec.decode, ExecRequest.decode, buf);
        expectDecodedAlike(execResponseCodec.decode, ExecResponse.decode, buf);
      }),
    );
  });

  it('values the fast path does not take decode as the generated decoder decodes them', () => {
    const cases = [
      Buffer.from([0x0a, 0x02, 0xc3, 0xa9]), // a device name that is not ASCII (é)
      Buffer.from([0x0a, 0x01, 0xff]), // a device name that is not UTF-8
      Buffer.from([0x10, ...varint(2 ** 31)]), // scope past an int32's positive range
      Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // scope -1
      Buffer.from([0x20, ...varint(2 ** 32 + 5)]), // out_len past a uint32: truncated by the generated decoder
      Buffer.from([0x20, 0x01, 0x10, 0x01]), // fields out of order
      Buffer.from([0x10, 0x01, 0x10, 0x02]), // a field twice (the last wins)
      Buffer.from([0x28, 0x01]), // an unknown field
      Buffer.from([0x0a, 0x05, 0x61]), // a length past the end
    ];
    for (const buf of cases) expectDecodedAlike(execRequestCodec.decode, ExecRequest.decode, buf);
    for (const buf of [Buffer.from([0x0a, 0x01, 0x07, 0x0a, 0x01, 0x08]), Buffer.from([0x12, 0])]) {
      expectDecodedAlike(execResponseCodec.decode, ExecResponse.decode, buf);
    }
  });

  it('requests the fast path does not take encode as the generated encoder encodes them', () => {
    const cases: ExecRequest[] = [
      { device: 'pci/é', scope: 1, inbox: Buffer.alloc(0), outLen: 0 },
      { device: 'd', scope: -1, inbox: Buffer.from([1]), outLen: 4 },
    ];
    for (const m of cases) {
      expect(execRequestCodec.encode(m).equals(Buffer.from(ExecRequest.encode(m).finish()))).toBe(
        true,
      );
    }
  });
});
