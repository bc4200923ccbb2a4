import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEBUG_CAP_HEAD_BYTES,
  decodeDiagCounters,
  diagCounterCount,
  MAX_DIAG_COUNTERS,
} from './diag-counter-fields.js';
import { HCA_CAP_UNION_BYTES } from './hca-cap-fields.js';

describe('diagnostic counter list', () => {
  it('reads num_of_diagnostic_counters at bit 0x280 of the general capability', () => {
    const cap = Buffer.alloc(HCA_CAP_UNION_BYTES);
    cap.writeUInt16BE(7, 0x280 / 8);
    expect(diagCounterCount(cap)).toBe(7);
  });

  it('decodes the entries after the debug capability head', () => {
    const counter = fc.record({
      counterId: fc.integer({ min: 0, max: 0xffff }),
      sync: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(counter, { maxLength: 40 }), (list) => {
        const cap = Buffer.alloc(HCA_CAP_UNION_BYTES, 0);
        list.forEach((c, i) => {
          cap.writeUInt32BE(
            ((c.sync ? 0x80000000 : 0) | c.counterId) >>> 0,
            DEBUG_CAP_HEAD_BYTES + 4 * i,
          );
        });
        expect(decodeDiagCounters(cap, list.length)).toEqual(list);
      }),
    );
  });

  it('a count past the capability is a RangeError, never a read past the end', () => {
    const cap = Buffer.alloc(HCA_CAP_UNION_BYTES);
    expect(decodeDiagCounters(cap, MAX_DIAG_COUNTERS)).toHaveLength(MAX_DIAG_COUNTERS);
    expect(() => decodeDiagCounters(cap, MAX_DIAG_COUNTERS + 1)).toThrow(RangeError);
    expect(() => decodeDiagCounters(Buffer.alloc(DEBUG_CAP_HEAD_BYTES + 4), 2)).toThrow(RangeError);
  });
});
