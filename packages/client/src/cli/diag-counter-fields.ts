/**
 * DiagCounterList: the diagnostic counters a device offers, as the
 * `diagcnt` command reads them: `num_of_diagnostic_counters` from the
 * general capability (16 bits at 0x280 of cmd_hca_cap, a PRM field the
 * upstream header leaves reserved) and the `diagnostic_counter[]` list of
 * the debug capability (cap_type 0xd), which follows its 0x200-bit head;
 * each entry is `diagnostic_cntr_layout`: sync at bit 0, counter_id 16
 * bits at 0x10. It must never read past the capability union.
 *
 * Sampling: SET_DIAGNOSTIC_PARAMS carries `diagnostic_params_context` right
 * after the 8-byte inbox head (bit 0x40), followed by `counter_id` entries
 * (4 bytes, the id in the low 16 bits); QUERY_DIAGNOSTIC_PARAMS answers the
 * same context and list after the 8-byte outbox head. QUERY_DIAGNOSTIC_COUNTERS
 * asks for `num_of_samples` from `sample_index` and answers a 16-byte head
 * and `diagnostic_cntr_struct` entries of 16 bytes (counter_id, sample_id,
 * time_stamp_31_0, counter_value_h, counter_value_l). The decoders never
 * read past the outbox they are given.
 */
import { HCA_CAP_UNION_BYTES } from './hca-cap-fields.js';
import {
  buildInbox,
  CMD_HDR_BYTES,
  Opcode,
  type PrmField,
  prmField,
  readField,
  writeField,
} from './prm-fields.js';

/** NUM_OF_DIAGNOSTIC_COUNTERS: the general-capability field with the list's length. */
export const NUM_OF_DIAGNOSTIC_COUNTERS = prmField('num_of_diagnostic_counters', 0x280, 16);

/** DEBUG_CAP_HEAD_BYTES: the debug capability's fixed head (0x200 bits); the list follows. */
export const DEBUG_CAP_HEAD_BYTES = 0x200 / 8;

/** DiagnosticCntr: `diagnostic_cntr_layout` (one 4-byte entry). */
export const DiagnosticCntr = {
  sync: prmField('sync', 0x0, 1),
  counter_id: prmField('counter_id', 0x10, 16),
} as const;
const ENTRY_BYTES = 4;

/** DebugCapLimits: the sampler's limits in the debug capability's head. */
export const DebugCapLimits = {
  log_max_samples: prmField('log_max_samples', 0x18, 8),
  single: prmField('single', 0x20, 1),
  repetitive: prmField('repetitive', 0x21, 1),
  log_min_sample_period: prmField('log_min_sample_period', 0x38, 8),
} as const;

/** DiagLimits: what the sampler supports. */
export interface DiagLimits {
  readonly logMaxSamples: number;
  readonly logMinSamplePeriod: number;
  readonly single: boolean;
  readonly repetitive: boolean;
}

/** decodeDiagLimits: the sampler limits from the debug capability bytes. */
export function decodeDiagLimits(debugCap: Buffer): DiagLimits {
  const l = DebugCapLimits;
  return {
    logMaxSamples: readField(debugCap, l.log_max_samples),
    logMinSamplePeriod: readField(debugCap, l.log_min_sample_period),
    single: readField(debugCap, l.single) === 1,
    repetitive: readField(debugCap, l.repetitive) === 1,
  };
}

/** MAX_DIAG_COUNTERS: entries that fit in the capability union after the head. */
export const MAX_DIAG_COUNTERS = (HCA_CAP_UNION_BYTES - DEBUG_CAP_HEAD_BYTES) / ENTRY_BYTES;

/** DiagCounter: one offered counter. */
export interface DiagCounter {
  counterId: number;
  /** sync: the counter can be sampled synchronously with the others. */
  sync: boolean;
}

/** diagCounterCount: `num_of_diagnostic_counters` from the general capability bytes. */
export function diagCounterCount(generalCap: Buffer): number {
  return readField(generalCap, NUM_OF_DIAGNOSTIC_COUNTERS);
}

/**
 * decodeDiagCounters: the first `count` entries of the debug capability's
 * list; RangeError when `count` does not fit in `debugCap`.
 */
export function decodeDiagCounters(debugCap: Buffer, count: number): DiagCounter[] {
  if (count > MAX_DIAG_COUNTERS || DEBUG_CAP_HEAD_BYTES + count * ENTRY_BYTES > debugCap.length) {
    throw new RangeError(`${count} diagnostic counters do not fit in the debug capability`);
  }
  const out: DiagCounter[] = [];
  for (let i = 0; i < count; i++) {
    const entry = debugCap.subarray(DEBUG_CAP_HEAD_BYTES + i * ENTRY_BYTES);
    out.push({
      counterId: readField(entry, DiagnosticCntr.counter_id),
      sync: readField(entry, DiagnosticCntr.sync) === 1,
    });
  }
  return out;
}

/** The params context's offset in the inbox (after opcode/uid/op_mod) and in the outbox (after status/syndrome). */
const PARAMS_CONTEXT_BYTE = 8;
const PARAMS_CONTEXT_BYTES = 24;
/** DIAG_PARAMS_BYTES: SET_DIAGNOSTIC_PARAMS inbox and QUERY_DIAGNOSTIC_PARAMS outbox before the counter ids. */
export const DIAG_PARAMS_BYTES = PARAMS_CONTEXT_BYTE + PARAMS_CONTEXT_BYTES;
const COUNTER_ID_BYTES = 4;
const SAMPLE_BYTES = 16;
/** MAX_DIAG_SAMPLE_ENTRIES: most sample entries one query asks for (keeps its outbox under 1 MiB). */
export const MAX_DIAG_SAMPLE_ENTRIES = 65_535;

/** DiagParamsContext: `diagnostic_params_context`, offsets from its start. */
export const DiagParamsContext = {
  num_of_counters: prmField('num_of_counters', 0x0, 16),
  log_num_of_samples: prmField('log_num_of_samples', 0x18, 8),
  single: prmField('single', 0x20, 1),
  repetitive: prmField('repetitive', 0x21, 1),
  sync: prmField('sync', 0x22, 1),
  clear: prmField('clear', 0x23, 1),
  on_demand: prmField('on_demand', 0x24, 1),
  enable: prmField('enable', 0x25, 1),
  log_sample_period: prmField('log_sample_period', 0x38, 8),
} as const;
const COUNTER_ID = prmField('counter_id', 0x10, 16);
const QueryDiagCntrsIn = {
  num_of_samples: prmField('num_of_samples', 0x40, 16),
  sample_index: prmField('sample_index', 0x50, 16),
} as const;
const DiagCntrStruct = {
  counter_id: prmField('counter_id', 0x0, 16),
  sample_id: prmField('sample_id', 0x10, 16),
  time_stamp: prmField('time_stamp_31_0', 0x20, 32),
  value_h: prmField('counter_value_h', 0x40, 32),
  value_l: prmField('counter_value_l', 0x60, 32),
} as const;

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
  const inbox = buildInbox(
    Opcode.SET_DIAGNOSTIC_PARAMS,
    0,
    DIAG_PARAMS_BYTES + ids.length * COUNTER_ID_BYTES,
  );
  const ctx = inbox.subarray(PARAMS_CONTEXT_BYTE);
  const c = DiagParamsContext;
  writeField(ctx, c.num_of_counters, ids.length);
  writeField(ctx, c.log_num_of_samples, s.logNumOfSamples);
  writeField(ctx, c.single, s.mode === 'single' ? 1 : 0);
  writeField(ctx, c.repetitive, s.mode === 'repetitive' ? 1 : 0);
  writeField(ctx, c.on_demand, s.mode === 'on_demand' ? 1 : 0);
  writeField(ctx, c.clear, s.clear ? 1 : 0);
  writeField(ctx, c.enable, 1);
  writeField(ctx, c.log_sample_period, s.logSamplePeriod);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 1 || id > 0xffff) {
      throw new RangeError(`counter id ${id} is not 0x0001..0xffff`);
    }
    writeField(inbox.subarray(DIAG_PARAMS_BYTES + i * COUNTER_ID_BYTES), COUNTER_ID, id);
  });
  return inbox;
}

/** disableDiagInbox: SET_DIAGNOSTIC_PARAMS with enable clear (sampling off, samples dropped). */
export function disableDiagInbox(): Buffer {
  return buildInbox(Opcode.SET_DIAGNOSTIC_PARAMS, 0, DIAG_PARAMS_BYTES);
}

/** queryDiagParamsInbox: QUERY_DIAGNOSTIC_PARAMS; answer in diagParamsOutLen(max) bytes. */
export function queryDiagParamsInbox(): Buffer {
  return buildInbox(Opcode.QUERY_DIAGNOSTIC_PARAMS, 0);
}

/** diagParamsOutLen: the outbox QUERY_DIAGNOSTIC_PARAMS needs for up to `maxCounters` ids. */
export function diagParamsOutLen(maxCounters: number): number {
  return DIAG_PARAMS_BYTES + maxCounters * COUNTER_ID_BYTES;
}

/** decodeDiagParams: the params context and as many counter ids as it names and the outbox holds. */
export function decodeDiagParams(outbox: Buffer): DiagParams {
  if (outbox.length < DIAG_PARAMS_BYTES) {
    throw new RangeError(
      `QUERY_DIAGNOSTIC_PARAMS answered ${outbox.length} bytes, not ${DIAG_PARAMS_BYTES}`,
    );
  }
  const ctx = outbox.subarray(PARAMS_CONTEXT_BYTE);
  const c = DiagParamsContext;
  const bit = (fld: PrmField) => readField(ctx, fld) === 1;
  const listed = readField(ctx, c.num_of_counters);
  const n = Math.min(listed, Math.floor((outbox.length - DIAG_PARAMS_BYTES) / COUNTER_ID_BYTES));
  const counterIds = Array.from({ length: n }, (_, i) =>
    readField(outbox.subarray(DIAG_PARAMS_BYTES + i * COUNTER_ID_BYTES), COUNTER_ID),
  );
  const mode = bit(c.single)
    ? 'single'
    : bit(c.repetitive)
      ? 'repetitive'
      : bit(c.on_demand)
        ? 'on_demand'
        : 'periodic';
  return {
    enabled: bit(c.enable),
    mode,
    onDemand: bit(c.on_demand),
    logNumOfSamples: readField(ctx, c.log_num_of_samples),
    logSamplePeriod: readField(ctx, c.log_sample_period),
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
  const inbox = buildInbox(Opcode.QUERY_DIAGNOSTIC_COUNTERS, 0);
  writeField(inbox, QueryDiagCntrsIn.num_of_samples, numOfSamples);
  writeField(inbox, QueryDiagCntrsIn.sample_index, sampleIndex);
  return inbox;
}

/** diagSamplesOutLen: the outbox of a query for `entries` sample entries (samples x counters). */
export function diagSamplesOutLen(entries: number): number {
  return CMD_HDR_BYTES + entries * SAMPLE_BYTES;
}

/** decodeDiagSamples: the sample entries in `outbox`; entries with counter id 0 (not sampled yet) are left out. */
export function decodeDiagSamples(outbox: Buffer): DiagSample[] {
  const out: DiagSample[] = [];
  for (let at = CMD_HDR_BYTES; at + SAMPLE_BYTES <= outbox.length; at += SAMPLE_BYTES) {
    const e = outbox.subarray(at, at + SAMPLE_BYTES);
    const counterId = readField(e, DiagCntrStruct.counter_id);
    if (counterId === 0) continue;
    const value =
      (BigInt(readField(e, DiagCntrStruct.value_h)) << 32n) |
      BigInt(readField(e, DiagCntrStruct.value_l));
    out.push({
      sampleId: readField(e, DiagCntrStruct.sample_id),
      counterId,
      timeStamp: readField(e, DiagCntrStruct.time_stamp),
      value: value.toString(),
    });
  }
  return out;
}
