import { LoadRequest, type SaveRequest } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERVER_DEFAULTS } from '../server-options.js';
import { MIGRATION_LIMITS as L, saveOptions } from './migration-service.js';

const req = (o: Partial<SaveRequest>): SaveRequest => ({
  vf: '0000:08:00.2',
  precopyRounds: 0,
  chunkBytes: 0,
  leaseMs: 0,
  ...o,
});

describe('Save options', () => {
  it('take defaults for zero and accept exactly the bounded values', () => {
    expect(saveOptions(req({}))).toEqual({
      precopyRounds: 0,
      chunkBytes: L.defaultChunkBytes,
      leaseMs: L.defaultLeaseMs,
    });
    fc.assert(
      fc.property(
        fc.nat(2 * L.maxPrecopyRounds),
        fc.nat(2 * L.maxChunkBytes),
        fc.nat(2 * L.maxLeaseMs),
        (precopyRounds, chunkBytes, leaseMs) => {
          const ok =
            precopyRounds <= L.maxPrecopyRounds &&
            (chunkBytes === 0 ||
              (chunkBytes >= L.minChunkBytes && chunkBytes <= L.maxChunkBytes)) &&
            leaseMs <= L.maxLeaseMs;
          const run = () => saveOptions(req({ precopyRounds, chunkBytes, leaseMs }));
          if (ok) expect(run().precopyRounds).toBe(precopyRounds);
          else expect(run).toThrow(expect.objectContaining({ code: 'EINVAL' }));
        },
      ),
    );
  });

  it('the largest chunk a Save sends fits a Load message under the default message limit', () => {
    const data = Buffer.alloc(L.maxChunkBytes);
    const load = LoadRequest.encode({ kind: { $case: 'data', data } }).finish();
    expect(load.length).toBeLessThanOrEqual(SERVER_DEFAULTS.limits.maxMessageBytes);
    expect(L.maxChunkBytes).toBeGreaterThan(L.defaultChunkBytes);
  });
});
