/**
 * DiagCounterList: the diagnostic counters a device offers, as the
 * `diagcnt` command reads them: `num_of_diagnostic_counters` from the
 * general capability and the `diagnostic_counter[]` list of the debug
 * capability (cap_type 0xd), which follows its fixed head; and the sampler:
 * SET_DIAGNOSTIC_PARAMS / QUERY_DIAGNOSTIC_PARAMS (the params context, then
 * `counter_id` entries) and QUERY_DIAGNOSTIC_COUNTERS (a 16-byte head, then
 * `diagnostic_cntr_struct` samples).
 *
 * Every structure is @auxctl/prm's (`CmdHcaCap`, `DebugCap`,
 * `DiagnosticCntrLayout`, `DiagnosticParamsContext`, `CounterId`, the
 * command layouts and `DiagnosticCntrStruct`), the declarations the
 * simulator answers with. The decoders never read past the capability or
 * outbox they are given.
 */
import {
  CmdHcaCap,
  CounterId,
  DebugCap,
  DiagnosticCntrLayout,
  DiagnosticCntrStruct,
  DiagnosticParamsContext,
  HCA_CAP_UNION_BYTES,
  Op,
  QueryDiagnosticCntrsIn,
  QueryDiagnosticCntrsOut,
  QueryDiagnosticParamsIn,
  QueryDiagnosticParamsOut,
  SetDiagnosticParamsIn,
  setDiagnosticParamsInbox,
} from '@auxctl/prm';

/** DEBUG_CAP_HEAD_BYTES: the debug capability's fixed head; the counter list follows. */
export const DEBUG_CAP_HEAD_BYTES = DebugCap.bytes;

/** DiagLimits: what the sampler supports. */
export interface DiagLimits {
  readonly logMaxSamples: number;
  readonly logMinSamplePeriod: number;
  readonly single: boolean;
  readonly repetitive: boolean;
}

/** decodeDiagLimits: the sampler limits from the debug capability bytes. */
export function decodeDiagLimits(debugCap: Buffer): DiagLimits {
  return {
    logMaxSamples: DebugCap.get(debugCap, 'log_max_samples'),
    logMinSamplePeriod: DebugCap.get(debugCap, 'log_min_sample_period'),
    single: DebugCap.get(debugCap, 'single') === 1,
    repetitive: DebugCap.get(debugCap, 'repetitive') === 1,
  };
}

/** MAX_DIAG_COUNTERS: entries that fit in the capability union after the head. */
export const MAX_DIAG_COUNTERS =
  (HCA_CAP_UNION_BYTES - DEBUG_CAP_HEAD_BYTES) / DiagnosticCntrLayout.bytes;

/** DiagCounter: one offered counter. */
export interface DiagCounter {
  counterId: number;
  /** sync: the counter can be sampled synchronously with the others. */
  sync: boolean;
}

/** diagCounterCount: `num_of_diagnostic_counters` from the general capability bytes. */
export function diagCounterCount(generalCap: Buffer): number {
  return CmdHcaCap.get(generalCap, 'num_of_diagnostic_counters');
}

/**
 * decodeDiagCounters: the first `count` entries of the debug capability's
 * list; RangeError when `count` does not fit in `debugCap`.
 */
export function decodeDiagCounters(debugCap: Buffer, count: number): DiagCounter[] {
  const entry = (i: number) => DEBUG_CAP_HEAD_BYTES + i * DiagnosticCntrLayout.bytes;
  if (count > MAX_DIAG_COUNTERS || entry(count) > debugCap.length) {
    throw new RangeError(`${count} diagnostic counters do not fit in the debug capability`);
  }
  return Array.from({ length: count }, (_, i) => ({
    counterId: DiagnosticCntrLayout.get(debugCap, 'counter_id', entry(i)),
    sync: DiagnosticCntrLayout.get(debugCap, 'sync', entry(i)) === 1,
  }));
}

/** Where the params context sits in the QUERY_DIAGNOSTIC_PARAMS outbox (after status and syndrome). */
const OUT_CONTEXT_BYTE = QueryDiagnosticParamsOut.byteOffset('diagnostic_params_context');
/** DIAG_PARAMS_BYTES: SET_DIAGNOSTIC_PARAMS inbox and QUERY_DIAGNOSTIC_PARAMS outbox before the counter ids. */
export const DIAG_PARAMS_BYTES = SetDiagnosticParamsIn.bytes;
/** MAX_DIAG_SAMPLE_ENTRIES: most sample entries one query asks for (keeps its outbox under 1 MiB). */
export const MAX_DIAG_SAMPLE_ENTRIES = 65_535;

/** DiagMode: `single` fills the buffer once, `repetitive` keeps the newest, `on_demand` samples at each query. */
export type DiagMode = 'single' | 'repetitive' | 'on_demand';

/** DiagSetup: what SET_DIAGNOSTIC_PARAMS enables. */
export interface DiagSetup {
  readonly counterIds: readonly number[];
  readonly mode: DiagMode;
  /** A buffer of 2^logNumOfSamples samples (0..255). */
  readonly logNumOfSamples: number;
  /** Periodic modes: a sample every 2^logSamplePeriod device clocks (0..255). */
  readonly logSamplePeriod: number;
  /** Restart the counters from zero. */
  readonly clear: boolean;
}

/** DiagParams: the sampler as QUERY_DIAGNOSTIC_PARAMS reports it. */
export interface DiagParams {
  readonly enabled: boolean;
  readonly mode: DiagMode | 'periodic';
  readonly onDemand: boolean;
  readonly logNumOfSamples: number;
  readonly logSamplePeriod: number;
  readonly counterIds: number[];
}

/** DiagSample: one counter in one sample (the value as a decimal string: it is 64 bits). */
export interface DiagSample {
  readonly sampleId: number;
  readonly counterId: number;
  readonly timeStamp: number;
  readonly value: string;
}

/** setDiagParamsInbox: SET_DIAGNOSTIC_PARAMS enabling `s`; RangeError for ids or sizes out of range. */
export function setDiagParamsInbox(s: DiagSetup): Buffer {
  const ids = s.counterIds;
  if (ids.length < 1 || ids.length > 0xffff) {
    throw new RangeError(`${ids.length} counter ids; give 1..65535`);
  }
  for (const [name, v] of [
    ['log_num_of_samples', s.logNumOfSamples],
    ['log_sample_period', s.logSamplePeriod],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xff)
      throw new RangeError(`${name} ${v} is not 0..255`);
  }
  ids.forEach((id) => {
    if (!Number.isInteger(id) || id < 1 || id > 0xffff) {
      throw new RangeError(`counter id ${id} is not 0x0001..0xffff`);
    }
  });
  return setDiagnosticParamsInbox(s);
}

/** disableDiagInbox: SET_DIAGNOSTIC_PARAMS with enable clear (sampling off, samples dropped). */
export function disableDiagInbox(): Buffer {
  return SetDiagnosticParamsIn.encode({ opcode: Op.SET_DIAGNOSTIC_PARAMS });
}

/** queryDiagParamsInbox: QUERY_DIAGNOSTIC_PARAMS; answer in diagParamsOutLen(max) bytes. */
export function queryDiagParamsInbox(): Buffer {
  return QueryDiagnosticParamsIn.encode({ opcode: Op.QUERY_DIAGNOSTIC_PARAMS });
}

/** diagParamsOutLen: the outbox QUERY_DIAGNOSTIC_PARAMS needs for up to `maxCounters` ids. */
export function diagParamsOutLen(maxCounters: number): number {
  return QueryDiagnosticParamsOut.bytes + maxCounters * CounterId.bytes;
}

/** decodeDiagParams: the params context and as many counter ids as it names and the outbox holds. */
export function decodeDiagParams(outbox: Buffer): DiagParams {
  if (outbox.length < QueryDiagnosticParamsOut.bytes) {
    throw new RangeError(
      `QUERY_DIAGNOSTIC_PARAMS answered ${outbox.length} bytes, not ${QueryDiagnosticParamsOut.bytes}`,
    );
  }
  const c = DiagnosticParamsContext.decode(outbox, OUT_CONTEXT_BYTE);
  const room = Math.floor((outbox.length - QueryDiagnosticParamsOut.bytes) / CounterId.bytes);
  const counterIds = Array.from({ length: Math.min(c.num_of_counters, room) }, (_, i) =>
    CounterId.get(outbox, 'counter_id', QueryDiagnosticParamsOut.bytes + i * CounterId.bytes),
  );
  const mode = c.single
    ? 'single'
    : c.repetitive
      ? 'repetitive'
      : c.on_demand
        ? 'on_demand'
        : 'periodic';
  return {
    enabled: c.enable === 1,
    mode,
    onDemand: c.on_demand === 1,
    logNumOfSamples: c.log_num_of_samples,
    logSamplePeriod: c.log_sample_period,
    counterIds,
  };
}

/** queryDiagCountersInbox: QUERY_DIAGNOSTIC_COUNTERS for `numOfSamples` samples from `sampleIndex`. */
export function queryDiagCountersInbox(numOfSamples: number, sampleIndex: number): Buffer {
  for (const [name, v] of [
    ['num_of_samples', numOfSamples],
    ['sample_index', sampleIndex],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      throw new RangeError(`${name} ${v} is not 0..65535`);
  }
  return QueryDiagnosticCntrsIn.encode({
    opcode: Op.QUERY_DIAGNOSTIC_COUNTERS,
    num_of_samples: numOfSamples,
    sample_index: sampleIndex,
  });
}

/** diagSamplesOutLen: the outbox of a query for `entries` sample entries (samples x counters). */
export function diagSamplesOutLen(entries: number): number {
  return QueryDiagnosticCntrsOut.bytes + entries * DiagnosticCntrStruct.bytes;
}

/** decodeDiagSamples: the sample entries in `outbox`; entries with counter id 0 (not sampled yet) are left out. */
export function decodeDiagSamples(outbox: Buffer): DiagSample[] {
  const out: DiagSample[] = [];
  const size = DiagnosticCntrStruct.bytes;
  for (let at = QueryDiagnosticCntrsOut.bytes; at + size <= outbox.length; at += size) {
    const e = DiagnosticCntrStruct.decode(outbox, at);
    if (e.counter_id === 0) continue;
    out.push({
      sampleId: e.sample_id,
      counterId: e.counter_id,
      timeStamp: e.time_stamp_31_0,
      value: ((BigInt(e.counter_value_h) << 32n) | BigInt(e.counter_value_l)).toString(),
    });
  }
  return out;
}
