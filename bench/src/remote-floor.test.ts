import type { ExecRequest, ExecResponse } from '@auxctl/proto';
import { type ServerUnaryCall, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorExec } from './remote-floor.js';

/** answer: what floorExec sends for a request of `outLen`. */
function answer(outLen: number): { err: { code?: number } | null; res?: ExecResponse | null } {
  let got: { err: { code?: number } | null; res?: ExecResponse | null } | undefined;
  const call = { request: { device: 'd', scope: 1, inbox: Buffer.alloc(16), outLen } };
  floorExec(call as unknown as ServerUnaryCall<ExecRequest, ExecResponse>, (err, res) => {
    got = { err, res };
  });
  if (!got) throw new Error('floorExec did not answer synchronously');
  return got;
}

describe('floorExec', () => {
  it('answers out_len zero bytes at once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 << 16 }), (n) => {
        const { err, res } = answer(n);
        expect(err).toBeNull();
        expect(res?.outbox.length).toBe(n);
        expect(res?.outbox.every((b) => b === 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses an out_len it cannot answer', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: (1 << 16) + 1, max: 2 ** 32 }),
          fc.integer({ max: -1 }),
          fc.double({ noInteger: true }),
        ),
        (n) => {
          const { err, res } = answer(n);
          expect(err?.code).toBe(status.INVALID_ARGUMENT);
          expect(res).toBeUndefined();
        },
      ),
    );
  });
});
