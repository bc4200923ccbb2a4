import { HCA_CAP_UNION_BYTES } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEBUG_CAP_HEAD_BYTES,
  DIAG_PARAMS_BYTES,
  type DiagMode,
  decodeDiagCounters,
  decodeDiagParams,
  decodeDiagSamples,
  diagCounterCount,
  diagSamplesOutLen,
  disableDiagInbox,
  MAX_DIAG_COUNTERS,
  queryDiagCountersInbox,
  setDiagParamsInbox,
} from './diag-counter-fields.js';

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

describe('diagnostic counter sampling', () => {
  const setup = fc.record({
    counterIds: fc.uniqueArray(fc.integer({ min: 1, max: 0xffff }), {
      minLength: 1,
      maxLength: 16,
    }),
    mode: fc.constantFrom<DiagMode>('single', 'repetitive', 'on_demand'),
    logNumOfSamples: fc.integer({ min: 0, max: 255 }),
    logSamplePeriod: fc.integer({ min: 0, max: 255 }),
    clear: fc.boolean(),
  });

  it('SET_DIAGNOSTIC_PARAMS puts the context at byte 8 and the ids after it; QUERY answers decode back', () => {
    fc.assert(
      fc.property(setup, (s) => {
        const inbox = setDiagParamsInbox(s);
        expect(inbox.readUInt16BE(0)).toBe(0x820);
        expect(inbox.length).toBe(DIAG_PARAMS_BYTES + 4 * s.counterIds.length);
        expect(inbox.readUInt16BE(8)).toBe(s.counterIds.length);
        expect(inbox[11]).toBe(s.logNumOfSamples);
        const flags = inbox[12] as number;
        expect(flags >> 7).toBe(s.mode === 'single' ? 1 : 0);
        expect((flags >> 6) & 1).toBe(s.mode === 'repetitive' ? 1 : 0);
        expect((flags >> 4) & 1).toBe(s.clear ? 1 : 0);
        expect((flags >> 3) & 1).toBe(s.mode === 'on_demand' ? 1 : 0);
        expect((flags >> 2) & 1).toBe(1);
        expect(inbox[15]).toBe(s.logSamplePeriod);
        for (const [i, id] of s.counterIds.entries()) {
          expect(inbox.readUInt32BE(DIAG_PARAMS_BYTES + 4 * i)).toBe(id);
        }
        // The QUERY_DIAGNOSTIC_PARAMS outbox carries the same context and list at the same offsets.
        const outbox = Buffer.from(inbox);
        outbox.writeUInt32BE(0, 0);
        const p = decodeDiagParams(outbox);
        expect(p).toMatchObject({
          enabled: true,
          mode: s.mode,
          logNumOfSamples: s.logNumOfSamples,
          logSamplePeriod: s.logSamplePeriod,
          counterIds: s.counterIds,
        });
      }),
    );
  });

  it('decodes params and samples of any outbox without reading past it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const outbox = Buffer.from(bytes);
        if (outbox.length < DIAG_PARAMS_BYTES) {
          expect(() => decodeDiagParams(outbox)).toThrow(RangeError);
        } else {
          const p = decodeDiagParams(outbox);
          expect(DIAG_PARAMS_BYTES + 4 * p.counterIds.length).toBeLessThanOrEqual(outbox.length);
        }
        const samples = decodeDiagSamples(outbox);
        expect(16 + 16 * samples.length).toBeLessThanOrEqual(Math.max(16, outbox.length));
        for (const s of samples) expect(s.counterId).toBeGreaterThan(0);
      }),
    );
  });

  it('decodes 64-bit sample values and skips entries not sampled yet', () => {
    const outbox = Buffer.alloc(diagSamplesOutLen(3));
    const at = (i: number) => 16 + 16 * i;
    outbox.writeUInt16BE(0x401, at(0));
    outbox.writeUInt16BE(7, at(0) + 2);
    outbox.writeUInt32BE(0x1234, at(0) + 4);
    outbox.writeUInt32BE(0x1, at(0) + 8);
    outbox.writeUInt32BE(0x2, at(0) + 12);
    outbox.writeUInt16BE(0x402, at(2));
    expect(decodeDiagSamples(outbox)).toEqual([
      { sampleId: 7, counterId: 0x401, timeStamp: 0x1234, value: String(2n ** 32n + 2n) },
      { sampleId: 0, counterId: 0x402, timeStamp: 0, value: '0' },
    ]);
  });

  it('refuses ids, sizes and indexes the fields cannot hold', () => {
    const base = {
      mode: 'on_demand' as const,
      logNumOfSamples: 0,
      logSamplePeriod: 0,
      clear: false,
    };
    expect(() => setDiagParamsInbox({ ...base, counterIds: [] })).toThrow(RangeError);
    expect(() => setDiagParamsInbox({ ...base, counterIds: [0] })).toThrow(RangeError);
    expect(() => setDiagParamsInbox({ ...base, counterIds: [0x10000] })).toThrow(RangeError);
    expect(() => setDiagParamsInbox({ ...base, counterIds: [1], logNumOfSamples: 256 })).toThrow(
      RangeError,
    );
    expect(() => queryDiagCountersInbox(0x10000, 0)).toThrow(RangeError);
    expect(() => queryDiagCountersInbox(1, -1)).toThrow(RangeError);
    const q = queryDiagCountersInbox(5, 3);
    expect([q.readUInt16BE(0), q.readUInt16BE(8), q.readUInt16BE(10)]).toEqual([0x821, 5, 3]);
    expect(disableDiagInbox().readUInt16BE(0)).toBe(0x820);
    expect(disableDiagInbox()[12]).toBe(0);
  });
});
