import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UMEM_CHUNK_DEFAULT, UMEM_CHUNK_MAX, umemReadRange } from './session-umem.js';

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.oneof(
  fc.integer({ min: 0, max: 1 << 27 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);

describe('umemReadRange', () => {
  it('either refuses with EINVAL or names a range inside the umem and a chunk of 1..1 MiB', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 * 1024 * 1024 }),
        u64,
        u64,
        u32,
        (size, offset, length, chunkSize) => {
          const req = { umemId: 1, offset, length, chunkSize };
          let r: { end: number; chunk: number };
          try {
            r = umemReadRange(size, req);
          } catch (err) {
            expect(err).toMatchObject({ code: 'EINVAL' });
            expect(offset > size || offset + length > size || chunkSize > UMEM_CHUNK_MAX).toBe(
              true,
            );
            return;
          }
          expect(offset).toBeLessThanOrEqual(r.end);
          expect(r.end).toBeLessThanOrEqual(size);
          expect(r.end).toBe(length === 0 ? size : offset + length);
          expect(r.chunk).toBe(chunkSize === 0 ? UMEM_CHUNK_DEFAULT : chunkSize);
          expect(r.chunk).toBeGreaterThanOrEqual(1);
          expect(r.chunk).toBeLessThanOrEqual(UMEM_CHUNK_MAX);
        },
      ),
    );
  });
});
