/**
 * Diagnostic counters: QUERY_DIAGNOSTIC_PARAMS (0x819), SET_DIAGNOSTIC_PARAMS
 * (0x820), QUERY_DIAGNOSTIC_COUNTERS (0x821). The model is `DiagCounters`.
 *
 * Capability policy: any uid may read the parameters; setting them and
 * reading samples exposes and changes device-wide state, so a uid other
 * than 0 needs TOOLS_RESOURCES (else BAD_PARAM / UID_LACKS_CAP).
 *
 * Outbox shapes: QUERY_DIAGNOSTIC_PARAMS returns the context and as many of
 * the configured counter ids as fit. QUERY_DIAGNOSTIC_COUNTERS returns
 * `num_of_samples` samples from `sample_index`, each as one
 * `diagnostic_cntr_struct` per configured counter (sample-major, counters in
 * configured order); the outbox must hold them all (BAD_OUTP_LEN), and a
 * slot not sampled yet reads as zeros.
 *
 * Owns: the handlers only.
 */

import {
  CmdStatus,
  CounterId,
  DiagnosticCntrStruct,
  DiagnosticParamsContext,
  Op,
  QueryDiagnosticCntrsIn,
  QueryDiagnosticCntrsOut,
  QueryDiagnosticParamsIn,
  QueryDiagnosticParamsOut,
  SetDiagnosticParamsIn,
  SetDiagnosticParamsOut,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import type { DiagParams } from '../diag-counters.js';
import { FwError } from '../fw-error.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';

const TOOLS = { cap: UctxCap.TOOLS_RESOURCES };

function setParams(fw: FwContext, { inbox }: CommandCall): void {
  const at = SetDiagnosticParamsIn.byteOffset('diagnostic_params_context');
  const c = DiagnosticParamsContext.decode(inbox, at);
  const ids = c.enable ? c.num_of_counters : 0;
  if (inbox.length < SetDiagnosticParamsIn.bytes + ids * CounterId.bytes) {
    throw new FwError(
      CmdStatus.BAD_INP_LEN,
      Syndrome.SHORT_INBOX,
      `inbox too short for ${ids} counter ids`,
    );
  }
  const params: DiagParams = {
    enable: c.enable === 1,
    single: c.single === 1,
    repetitive: c.repetitive === 1,
    sync: c.sync === 1,
    clear: c.clear === 1,
    onDemand: c.on_demand === 1,
    logNumOfSamples: c.log_num_of_samples,
    logSamplePeriod: c.log_sample_period,
    counterIds: Array.from({ length: ids }, (_, i) =>
      CounterId.get(inbox, 'counter_id', SetDiagnosticParamsIn.bytes + i * CounterId.bytes),
    ),
  };
  fw.diag.set(params, fw.now(), fw.commands);
}

function queryParams(fw: FwContext, { outbox }: CommandCall): void {
  const p = fw.diag.params();
  DiagnosticParamsContext.write(
    outbox,
    {
      num_of_counters: p.counterIds.length,
      log_num_of_samples: p.logNumOfSamples,
      single: Number(p.single),
      repetitive: Number(p.repetitive),
      sync: Number(p.sync),
      clear: Number(p.clear),
      on_demand: Number(p.onDemand),
      enable: Number(p.enable),
      log_sample_period: p.logSamplePeriod,
    },
    QueryDiagnosticParamsOut.byteOffset('diagnostic_params_context'),
  );
  const room = Math.floor((outbox.length - QueryDiagnosticParamsOut.bytes) / CounterId.bytes);
  p.counterIds.slice(0, room).forEach((id, i) => {
    CounterId.set(outbox, 'counter_id', id, QueryDiagnosticParamsOut.bytes + i * CounterId.bytes);
  });
}

function queryCounters(fw: FwContext, { inbox, outbox }: CommandCall): void {
  const count = QueryDiagnosticCntrsIn.get(inbox, 'num_of_samples');
  const index = QueryDiagnosticCntrsIn.get(inbox, 'sample_index');
  fw.diag.read(index, count); // validates (enabled, range) before anything changes
  const ids = fw.diag.params().counterIds;
  const need = QueryDiagnosticCntrsOut.bytes + count * ids.length * DiagnosticCntrStruct.bytes;
  if (outbox.length < need) {
    throw new FwError(
      CmdStatus.BAD_OUTP_LEN,
      Syndrome.SHORT_OUTBOX,
      `${count} samples need a ${need}-byte outbox`,
    );
  }
  fw.diag.sampleOnDemand(fw.now(), fw.commands);
  const samples = fw.diag.read(index, count);
  samples.forEach((s, i) => {
    if (!s) return;
    ids.forEach((id, k) => {
      const v = s.values[k]!;
      DiagnosticCntrStruct.write(
        outbox,
        {
          counter_id: id,
          sample_id: s.sampleId,
          time_stamp_31_0: s.timeStamp,
          counter_value_h: Number((v >> 32n) & 0xffff_ffffn),
          counter_value_l: Number(v & 0xffff_ffffn),
        },
        QueryDiagnosticCntrsOut.bytes + (i * ids.length + k) * DiagnosticCntrStruct.bytes,
      );
    });
  });
}

/** diagCommands: see the module header. */
export const diagCommands: readonly CommandSpec[] = [
  {
    opcode: Op.QUERY_DIAGNOSTIC_PARAMS,
    in: QueryDiagnosticParamsIn,
    out: QueryDiagnosticParamsOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: queryParams,
  },
  {
    opcode: Op.SET_DIAGNOSTIC_PARAMS,
    in: SetDiagnosticParamsIn,
    out: SetDiagnosticParamsOut,
    opMods: [0],
    states: INITIALIZED,
    access: TOOLS,
    run: setParams,
  },
  {
    opcode: Op.QUERY_DIAGNOSTIC_COUNTERS,
    in: QueryDiagnosticCntrsIn,
    out: QueryDiagnosticCntrsOut,
    opMods: [0],
    states: INITIALIZED,
    access: TOOLS,
    run: queryCounters,
  },
];
