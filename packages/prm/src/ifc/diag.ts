/**
 * Diagnostic counters: QUERY_DIAGNOSTIC_PARAMS (0x819), SET_DIAGNOSTIC_PARAMS
 * (0x820), QUERY_DIAGNOSTIC_COUNTERS (0x821).
 *
 * The upstream header does not declare these; the layouts follow the PRM as
 * NVIDIA's mlx5ctl tool spells it: the params context starts right after the
 * status/syndrome (bit 0x40) and is followed by `counter_id` entries; samples
 * come back as `diagnostic_cntr_struct` entries after a 16-byte header. The
 * device lists its counters in the debug capability (`DiagnosticCntrLayout`).
 *
 * Owns: the layouts, and how a sampling setup is encoded into a
 * SET_DIAGNOSTIC_PARAMS inbox (the driver's tool and the CLI send the same
 * bytes). Never: sends anything.
 */
import { defineLayout } from '../layout/layout.js';
import { Op } from './opcodes.js';

/** DiagnosticCntrLayout: one entry of the debug capability's `diagnostic_counter[]`. */
export const DiagnosticCntrLayout = defineLayout('diagnostic_cntr_layout', {
  sync: 1,
  reserved_at_1: 15,
  counter_id: 16,
});

/** CounterId: one `counter_id[]` entry of the params context. */
export const CounterId = defineLayout('counter_id', {
  reserved_at_0: 16,
  counter_id: 16,
});

/** DiagnosticParamsContext: `diagnostic_params_context` (fixed part, 24 bytes). */
export const DiagnosticParamsContext = defineLayout('diagnostic_params_context', {
  num_of_counters: 16,
  reserved_at_10: 8,
  log_num_of_samples: 8,
  single: 1,
  repetitive: 1,
  sync: 1,
  clear: 1,
  on_demand: 1,
  enable: 1,
  reserved_at_26: 18,
  log_sample_period: 8,
  reserved_at_40: 0x80,
});

/** QueryDiagnosticParamsIn: `query_diagnostic_params_in`. */
export const QueryDiagnosticParamsIn = defineLayout('query_diagnostic_params_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/** QueryDiagnosticParamsOut: `query_diagnostic_params_out`; counter ids follow the context. */
export const QueryDiagnosticParamsOut = defineLayout('query_diagnostic_params_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  diagnostic_params_context: { bytes: DiagnosticParamsContext.bytes },
});

/** SetDiagnosticParamsIn: `set_diagnostic_params_in`; counter ids follow the context. */
export const SetDiagnosticParamsIn = defineLayout('set_diagnostic_params_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  diagnostic_params_context: { bytes: DiagnosticParamsContext.bytes },
});

/** SetDiagnosticParamsOut: `set_diagnostic_params_out`. */
export const SetDiagnosticParamsOut = defineLayout('set_diagnostic_params_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

/** QueryDiagnosticCntrsIn: `query_diagnostic_cntrs_in`. */
export const QueryDiagnosticCntrsIn = defineLayout('query_diagnostic_cntrs_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  num_of_samples: 16,
  sample_index: 16,
  reserved_at_60: 32,
});

/** DiagnosticCntrStruct: one sample of one counter (`diagnostic_cntr_struct`, 16 bytes). */
export const DiagnosticCntrStruct = defineLayout('diagnostic_cntr_struct', {
  counter_id: 16,
  sample_id: 16,
  time_stamp_31_0: 32,
  counter_value_h: 32,
  counter_value_l: 32,
});

/** QueryDiagnosticCntrsOut: `query_diagnostic_cntrs_out`; `diag_counter[]` entries follow. */
export const QueryDiagnosticCntrsOut = defineLayout('query_diagnostic_cntrs_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

/** DiagSamplingSetup: what a SET_DIAGNOSTIC_PARAMS context asks of the sampler. */
export interface DiagSamplingSetup {
  readonly counterIds: readonly number[];
  /** 'single' fills the buffer once, 'repetitive' keeps the newest, 'on_demand' samples at each read. */
  readonly mode: 'single' | 'repetitive' | 'on_demand';
  /** Buffer of 2^logNumOfSamples samples. */
  readonly logNumOfSamples: number;
  /** Periodic modes: a sample every 2^logSamplePeriod device clocks (default 0). */
  readonly logSamplePeriod?: number;
  /** Also sample at each read (with a periodic mode). */
  readonly onDemand?: boolean;
  /** Restart counter values from zero. */
  readonly clear?: boolean;
}

/**
 * setDiagnosticParamsInbox: the SET_DIAGNOSTIC_PARAMS inbox enabling `s`:
 * the header, the params context (enable set), then one `counter_id` entry
 * per id. A value a field cannot hold throws RangeError (the layout rule);
 * callers add their own checks (an id of 0, an empty list) and errors.
 */
export function setDiagnosticParamsInbox(s: DiagSamplingSetup): Buffer {
  const ids = s.counterIds;
  const inbox = Buffer.alloc(SetDiagnosticParamsIn.bytes + ids.length * CounterId.bytes);
  SetDiagnosticParamsIn.write(inbox, { opcode: Op.SET_DIAGNOSTIC_PARAMS });
  DiagnosticParamsContext.write(
    inbox,
    {
      num_of_counters: ids.length,
      log_num_of_samples: s.logNumOfSamples,
      single: s.mode === 'single' ? 1 : 0,
      repetitive: s.mode === 'repetitive' ? 1 : 0,
      on_demand: s.mode === 'on_demand' || s.onDemand ? 1 : 0,
      clear: s.clear ? 1 : 0,
      enable: 1,
      log_sample_period: s.logSamplePeriod ?? 0,
    },
    SetDiagnosticParamsIn.byteOffset('diagnostic_params_context'),
  );
  ids.forEach((id, i) => {
    CounterId.set(inbox, 'counter_id', id, SetDiagnosticParamsIn.bytes + i * CounterId.bytes);
  });
  return inbox;
}
