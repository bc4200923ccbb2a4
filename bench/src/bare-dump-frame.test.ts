import { CoredumpRequest, CoredumpResponse, coredumpFrameCodec } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBareDumpFrame, encodeBareDumpRequest } from './bare-dump-frame.js';

const offset = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

describe('bare dump framing', () => {
  it('writes a CoredumpRequest the generated codec reads back field for field', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.option(fc.record({ dumpId: fc.string(), offset })),
        (device, chunkSize, resume) => {
          const req = encodeBareDumpRequest({ device, chunkSize, ...(resume && { resume }) });
          const got = CoredumpRequest.decode(req);
          expect(got.device).toBe(device);
          expect(got.chunkSize).toBe(chunkSize);
          expect(got.resume).toEqual(resume ?? undefined);
        },
      ),
    );
  });

  it('reads chunk and trailer frames as both codecs write them, and skips header fields', () => {
    fc.assert(
      fc.property(offset, bytes, (at, data) => {
        const msg = { frame: { $case: 'chunk' as const, chunk: { offset: at, data } } };
        for (const wire of [
          Buffer.from(CoredumpResponse.encode(msg).finish()),
          coredumpFrameCodec.encode(msg),
        ]) {
          const f = decodeBareDumpFrame(wire);
          expect(f).toEqual({ kind: 'chunk', offset: at, data });
        }
      }),
    );
    fc.assert(
      fc.property(bytes, (sha256) => {
        const wire = CoredumpResponse.encode({ frame: { $case: 'trailer', trailer: { sha256 } } });
        expect(decodeBareDumpFrame(Buffer.from(wire.finish()))).toEqual({
          kind: 'trailer',
          sha256,
        });
      }),
    );
    const header = CoredumpResponse.encode({
      frame: {
        $case: 'header',
        header: {
          dumpId: 'd',
          size: 1 << 26,
          device: '0000:08:00.0',
          fwVersion: '1.2.3',
          createdAt: new Date(0),
          chunkSize: 1 << 18,
          offset: 0,
          mode: 1,
        },
      },
    });
    expect(decodeBareDumpFrame(Buffer.from(header.finish()))).toEqual({ kind: 'header' });
  });

  it('refuses a truncated frame instead of reading past it', () => {
    const wire = coredumpFrameCodec.encode({
      frame: { $case: 'chunk', chunk: { offset: 5, data: Buffer.alloc(100, 1) } },
    });
    expect(() => decodeBareDumpFrame(wire.subarray(0, wire.length - 1))).toThrow(/past the end/);
    expect(() => decodeBareDumpFrame(Buffer.from([0x22, 0]))).toThrow(/tag/);
  });
});
