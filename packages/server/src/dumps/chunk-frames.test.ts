import { CoredumpResponse, HealthDumpResponse, ResourceDumpResponse } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PREFRAME } from '../grpc/preframed-messages.js';
import { ChunkFrames, type ChunkMessage } from './chunk-frames.js';
import type { ChunkFrame } from './dump-frames.js';

const chunk = (offset: number, data: Buffer): ChunkFrame => ({
  $case: 'chunk',
  chunk: { offset, data },
});

/** framed: what grpc-js sends for `m` (its serialization asks PREFRAME). */
function framed(m: ChunkMessage): Buffer {
  const frame = m[PREFRAME];
  if (!frame) throw new Error('not a preframed message');
  return frame();
}

/** grpcMessage: the gRPC framing of `message` as grpc-js writes it (flag 0, uint32 length). */
function grpcMessage(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

describe('ChunkFrames', () => {
  it('frames a chunk as the gRPC message of every dump response with that chunk (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
        fc.uint8Array({ maxLength: 3000 }),
        (offset, bytes) => {
          const data = Buffer.from(bytes);
          const frames = new ChunkFrames();
          const got = Buffer.from(framed(frames.message(chunk(offset, data))));
          const frame = chunk(offset, data);
          for (const Response of [CoredumpResponse, ResourceDumpResponse, HealthDumpResponse]) {
            expect(got.equals(grpcMessage(Response.encode({ frame }).finish()))).toBe(true);
          }
        },
      ),
    );
  });

  it('reuses a buffer only once the transport took its message, keeping at most two', () => {
    const frames = new ChunkFrames();
    const data = Buffer.alloc(1000, 7);
    const a = frames.message(chunk(0, data));
    const b = frames.message(chunk(1000, data));
    const fa = framed(a);
    const fb = framed(b);
    // Both outstanding: two buffers.
    expect(fa.buffer).not.toBe(fb.buffer);
    expect(frames.taken(a)).toBe(true);
    const c = frames.message(chunk(2000, data));
    const fc1 = framed(c);
    expect(fc1.buffer).toBe(fa.buffer);
    // b's and c's buffers freed, then a third is made for d while both are kept.
    expect(frames.taken(b)).toBe(true);
    expect(frames.taken(c)).toBe(true);
    const d = frames.message(chunk(3000, data));
    const e = frames.message(chunk(4000, data));
    const f = frames.message(chunk(5000, data));
    const used = [framed(d), framed(e), framed(f)].map((x) => x.buffer);
    expect(new Set(used).size).toBe(3);
    expect(used).toContain(fb.buffer);
    expect(used).toContain(fa.buffer);
    // A message that was never framed (the sink did not send it) frees nothing.
    expect(frames.taken(frames.message(chunk(6000, data)))).toBe(false);
  });

  it('gives a larger chunk a buffer of its own and the last, shorter chunk a smaller view', () => {
    const frames = new ChunkFrames();
    const small = frames.message(chunk(0, Buffer.alloc(100, 1)));
    const fs = framed(small);
    frames.taken(small);
    const big = frames.message(chunk(100, Buffer.alloc(5000, 2)));
    const fbig = framed(big);
    expect(fbig.buffer).not.toBe(fs.buffer);
    frames.taken(big);
    const tail = frames.message(chunk(5100, Buffer.alloc(10, 3)));
    const ft = framed(tail);
    expect(ft.length).toBe(
      grpcMessage(CoredumpResponse.encode({ frame: tail.frame }).finish()).length,
    );
    expect([fs.buffer, fbig.buffer]).toContain(ft.buffer);
  });

  it('refuses to frame an offset no stored dump has', () => {
    const frames = new ChunkFrames();
    expect(() => framed(frames.message(chunk(-1, Buffer.alloc(1))))).toThrow(/cannot be framed/);
  });
});
