import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CtlServiceService } from './ctl-service.js';
import { coredumpFrameCodec, resourceDumpFrameCodec } from './dump-frame-codec.js';
import { CoredumpResponse, ResourceDumpResponse } from './gen/auxctl/v1/ctl_service.js';
import * as arb from './test-support/arbitraries.js';
import { outcome } from './test-support/codec-checks.js';

const generatedBytes = (m: CoredumpResponse): Buffer =>
  Buffer.from(CoredumpResponse.encode(m).finish());

describe('dump frame codec', () => {
  it('encodes every frame byte for byte as the generated codec does', () => {
    fc.assert(
      fc.property(arb.coredumpResponse, (m) => {
        expect(coredumpFrameCodec.encode(m).equals(generatedBytes(m))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(arb.resourceDumpResponse, (m) => {
        const want = Buffer.from(ResourceDumpResponse.encode(m).finish());
        expect(resourceDumpFrameCodec.encode(m).equals(want)).toBe(true);
      }),
    );
  });

  it('encodes chunks at offsets up to 2^53 and of every size class identically', () => {
    const sizes = fc.constantFrom(0, 1, 127, 128, 16_383, 16_384, 65_536, 262_144);
    fc.assert(
      fc.property(fc.maxSafeNat(), sizes, (offset, size) => {
        const data = Buffer.alloc(size, offset & 0xff);
        const m: CoredumpResponse = { frame: { $case: 'chunk', chunk: { offset, data } } };
        expect(coredumpFrameCodec.encode(m).equals(generatedBytes(m))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('serialize gives the same bytes, in one reused buffer that only the next serialize overwrites', () => {
    fc.assert(
      fc.property(arb.coredumpResponse, arb.coredumpResponse, (a, b) => {
        const first = coredumpFrameCodec.serialize(a);
        expect(first.equals(generatedBytes(a))).toBe(true);
        const copy = Buffer.from(first);
        const second = coredumpFrameCodec.serialize(b);
        expect(second.equals(generatedBytes(b))).toBe(true);
        // encode never touches the serializer's buffer.
        coredumpFrameCodec.encode(a);
        expect(second.equals(generatedBytes(b))).toBe(true);
        if (a.frame?.$case !== 'chunk') expect(first.equals(copy)).toBe(true);
      }),
    );
    const chunk = (offset: number, fill: number): CoredumpResponse => ({
      frame: { $case: 'chunk', chunk: { offset, data: Buffer.alloc(300_000, fill) } },
    });
    const x = coredumpFrameCodec.serialize(chunk(1, 1));
    const y = coredumpFrameCodec.serialize(chunk(2, 2));
    expect(x.buffer).toBe(y.buffer);
    expect(CtlServiceService.coredump.responseSerialize).toBe(coredumpFrameCodec.serialize);
    expect(CtlServiceService.resourceDump.responseSerialize).toBe(resourceDumpFrameCodec.serialize);
  });

  it('decodes what the generated codec encodes to an equal message', () => {
    fc.assert(
      fc.property(arb.coredumpResponse, (m) => {
        const bytes = generatedBytes(m);
        expect(coredumpFrameCodec.decode(bytes)).toEqual(CoredumpResponse.decode(bytes));
      }),
    );
  });

  it('decodes a chunk as a view of the received message, without copying', () => {
    const data = Buffer.from('dump bytes');
    const bytes = generatedBytes({ frame: { $case: 'chunk', chunk: { offset: 7, data } } });
    const got = coredumpFrameCodec.decode(bytes);
    expect(got.frame?.$case).toBe('chunk');
    if (got.frame?.$case !== 'chunk') return;
    expect(got.frame.chunk.offset).toBe(7);
    expect(got.frame.chunk.data.equals(data)).toBe(true);
    expect(got.frame.chunk.data.buffer).toBe(bytes.buffer);
  });

  it('agrees with the generated decoder on arbitrary bytes: same message or both throw', () => {
    // Chunk-like prefixes make the fast path's checks the ones under test.
    const prefixed = fc
      .tuple(fc.uint8Array({ maxLength: 40 }), fc.boolean())
      .map(([tail, chunk]) => Buffer.from(chunk ? [0x12, ...tail] : tail));
    fc.assert(
      fc.property(prefixed, (bytes) => {
        const fast = outcome(() => coredumpFrameCodec.decode(bytes));
        const slow = outcome(() => CoredumpResponse.decode(bytes));
        expect(fast.ok).toBe(slow.ok);
        if (fast.ok && slow.ok) expect(fast.value).toEqual(slow.value);
      }),
      { numRuns: 2000 },
    );
  });
});
