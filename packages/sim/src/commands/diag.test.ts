import {
  CmdStatus,
  CounterId,
  DiagnosticCntrStruct,
  DiagnosticParamsContext,
  Op,
  QueryDiagnosticCntrsIn,
  QueryDiagnosticCntrsOut,
  QueryDiagnosticParamsOut,
  SetDiagnosticParamsIn,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIAG_COUNTERS, DIAG_LIMITS } from '../diag-counters.js';
import { FirmwareHarness } from '../testing/firmware-harness.js';

interface SetOpts {
  readonly ids: readonly number[];
  readonly enable?: boolean;
  readonly single?: boolean;
  readonly repetitive?: boolean;
  readonly onDemand?: boolean;
  readonly clear?: boolean;
  readonly logSamples?: number;
  readonly logPeriod?: number;
  readonly uid?: number;
}

const TX = 0x2006;
const RX128 = 0x0406;
const FREQ_KHZ = 156_250;
/** 2^20 clocks at 156.25 MHz: 6.7108864 ms. */
const PERIOD_MS = 2 ** 20 / FREQ_KHZ;

function setDiag(h: FirmwareHarness, o: SetOpts) {
  const inbox = h.header(
    Op.SET_DIAGNOSTIC_PARAMS,
    SetDiagnosticParamsIn.bytes + o.ids.length * 4,
    o.uid ?? 0,
  );
  DiagnosticParamsContext.write(
    inbox,
    {
      num_of_counters: o.ids.length,
      enable: o.enable === false ? 0 : 1,
      single: o.single ? 1 : 0,
      repetitive: o.repetitive === false || o.single || o.onDemand ? 0 : 1,
      on_demand: o.onDemand ? 1 : 0,
      clear: o.clear ? 1 : 0,
      log_num_of_samples: o.logSamples ?? 3,
      log_sample_period: o.logPeriod ?? 20,
    },
    SetDiagnosticParamsIn.byteOffset('diagnostic_params_context'),
  );
  o.ids.forEach((id, i) => {
    CounterId.set(inbox, 'counter_id', id, SetDiagnosticParamsIn.bytes + i * 4);
  });
  return h.run(inbox);
}

function readSamples(h: FirmwareHarness, index: number, count: number, counters: number, uid = 0) {
  const inbox = h.header(Op.QUERY_DIAGNOSTIC_COUNTERS, QueryDiagnosticCntrsIn.bytes, uid);
  QueryDiagnosticCntrsIn.set(inbox, 'num_of_samples', count);
  QueryDiagnosticCntrsIn.set(inbox, 'sample_index', index);
  const r = h.run(
    inbox,
    QueryDiagnosticCntrsOut.bytes + count * counters * DiagnosticCntrStruct.bytes,
  );
  const entries = Array.from({ length: count * counters }, (_, i) => {
    const e = DiagnosticCntrStruct.decode(
      r.out,
      QueryDiagnosticCntrsOut.bytes + i * DiagnosticCntrStruct.bytes,
    );
    return { ...e, value: (BigInt(e.counter_value_h) << 32n) | BigInt(e.counter_value_l) };
  });
  return { ...r, entries };
}

describe('diagnostic counters', () => {
  it('refuses to read samples until enabled (BAD_RES_STATE / DIAG_NOT_ENABLED)', () => {
    const h = new FirmwareHarness().boot();
    const r = readSamples(h, 0, 1, 1);
    expect([r.status, r.syndrome]).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.DIAG_NOT_ENABLED]);
  });

  it('rejects unknown counter ids and impossible parameters, keeping the old setting', () => {
    const h = new FirmwareHarness().boot();
    const unknown = setDiag(h, { ids: [TX, 0x7777] });
    expect([unknown.status, unknown.syndrome]).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.DIAG_UNKNOWN_COUNTER,
    ]);
    expect(setDiag(h, { ids: [TX, TX] }).syndrome).toBe(Syndrome.BAD_FIELD);
    expect(setDiag(h, { ids: [] }).syndrome).toBe(Syndrome.BAD_FIELD);
    expect(setDiag(h, { ids: [TX], logSamples: DIAG_LIMITS.logMaxSamples + 1 }).syndrome).toBe(
      Syndrome.BAD_FIELD,
    );
    expect(setDiag(h, { ids: [TX], logPeriod: DIAG_LIMITS.logMinSamplePeriod - 1 }).syndrome).toBe(
      Syndrome.BAD_FIELD,
    );
    expect(setDiag(h, { ids: [TX], repetitive: false }).syndrome).toBe(Syndrome.BAD_FIELD);
    const short = h.header(Op.SET_DIAGNOSTIC_PARAMS, SetDiagnosticParamsIn.bytes);
    DiagnosticParamsContext.write(short, { num_of_counters: 3, enable: 1, repetitive: 1 }, 8);
    expect(h.run(short).status).toBe(CmdStatus.BAD_INP_LEN);
    expect(readSamples(h, 0, 1, 1).syndrome).toBe(Syndrome.DIAG_NOT_ENABLED);
  });

  it('samples periodically with values that advance with time and commands', () => {
    const h = new FirmwareHarness().boot();
    h.ok(setDiag(h, { ids: [TX, RX128], clear: true }), 'SET_DIAGNOSTIC_PARAMS');
    h.advance(PERIOD_MS * 2.5);
    for (let i = 0; i < 5; i++) h.ok(h.run(h.header(Op.NOP, 16)), 'NOP');
    const r = readSamples(h, 0, 3, 2);
    h.ok(r, 'QUERY_DIAGNOSTIC_COUNTERS');
    const [s0tx, s0rx, s1tx, , s2tx] = r.entries;
    expect([s0tx!.counter_id, s0rx!.counter_id]).toEqual([TX, RX128]);
    expect([s0tx!.sample_id, s1tx!.sample_id]).toEqual([0, 1]);
    const tx = DIAG_COUNTERS.find((c) => c.id === TX)!;
    // Sample 0 at one period after SET; it carries the command count of the moment it was taken.
    expect(s0tx!.value).toBeGreaterThanOrEqual(BigInt(Math.floor(PERIOD_MS * tx.perMs)));
    expect(s1tx!.value).toBeGreaterThan(s0tx!.value);
    expect(s1tx!.time_stamp_31_0).toBeGreaterThan(s0tx!.time_stamp_31_0);
    expect(s2tx).toMatchObject({ counter_id: 0, value: 0n }); // not taken yet
    const again = readSamples(h, 0, 3, 2);
    expect(again.entries.slice(0, 4)).toEqual(r.entries.slice(0, 4));
  });

  it('keeps the first samples in single mode and the newest in repetitive mode', () => {
    const single = new FirmwareHarness().boot();
    single.ok(setDiag(single, { ids: [TX], single: true, logSamples: 1 }), 'single');
    single.advance(PERIOD_MS * 10.5);
    expect(readSamples(single, 0, 2, 1).entries.map((e) => e.sample_id)).toEqual([0, 1]);
    const rep = new FirmwareHarness().boot();
    rep.ok(setDiag(rep, { ids: [TX], logSamples: 1 }), 'repetitive');
    rep.advance(PERIOD_MS * 10.5);
    expect(readSamples(rep, 0, 2, 1).entries.map((e) => e.sample_id)).toEqual([8, 9]);
    const out = readSamples(rep, 1, 2, 1);
    expect([out.status, out.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD]);
  });

  it('takes a sample per query in on_demand mode and reports its parameters', () => {
    const h = new FirmwareHarness().boot();
    h.ok(setDiag(h, { ids: [RX128, TX], onDemand: true, logSamples: 2 }), 'on demand');
    h.advance(10);
    expect(readSamples(h, 0, 1, 2).entries[0]).toMatchObject({ counter_id: RX128, sample_id: 0 });
    expect(readSamples(h, 0, 2, 2).entries[2]).toMatchObject({ counter_id: RX128, sample_id: 1 });
    const q = h.ok(
      h.run(h.header(Op.QUERY_DIAGNOSTIC_PARAMS, 16), QueryDiagnosticParamsOut.bytes + 8),
      'params',
    );
    const ctx = DiagnosticParamsContext.decode(q.out, 8);
    expect([ctx.enable, ctx.on_demand, ctx.num_of_counters, ctx.log_num_of_samples]).toEqual([
      1, 1, 2, 2,
    ]);
    expect(CounterId.get(q.out, 'counter_id', QueryDiagnosticParamsOut.bytes + 4)).toBe(TX);
    h.ok(setDiag(h, { ids: [], enable: false }), 'disable');
    expect(readSamples(h, 0, 1, 2).syndrome).toBe(Syndrome.DIAG_NOT_ENABLED);
  });

  it('needs TOOLS_RESOURCES to set parameters or read samples (UID_LACKS_CAP)', () => {
    const h = new FirmwareHarness().boot();
    const plain = h.uctx(UctxCap.RAW_TX);
    const tools = h.uctx(UctxCap.TOOLS_RESOURCES);
    const denied = setDiag(h, { ids: [TX], uid: plain });
    expect([denied.status, denied.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_LACKS_CAP]);
    h.ok(setDiag(h, { ids: [TX], uid: tools }), 'tools SET');
    expect(readSamples(h, 0, 1, 1, plain).syndrome).toBe(Syndrome.UID_LACKS_CAP);
    expect(readSamples(h, 0, 1, 1, tools).status).toBe(CmdStatus.OK);
    expect(h.run(h.header(Op.QUERY_DIAGNOSTIC_PARAMS, 16, plain), 64).status).toBe(CmdStatus.OK);
  });

  it('produces the same samples for the same clock and command sequence (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(30), fc.nat(3)), { maxLength: 20 }), (steps) => {
        const run = () => {
          const h = new FirmwareHarness().boot();
          h.ok(setDiag(h, { ids: [TX, RX128], logSamples: 4, logPeriod: 18 }), 'set');
          for (const [ms, nops] of steps) {
            h.advance(ms);
            for (let i = 0; i < nops; i++) h.run(h.header(Op.NOP, 16));
          }
          return readSamples(h, 0, 16, 2).entries;
        };
        expect(run()).toEqual(run());
      }),
      { numRuns: 40 },
    );
  });
});
