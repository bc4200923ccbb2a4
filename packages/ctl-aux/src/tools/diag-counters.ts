/**
 * Diagnostic counters (mlx5ctlu `diagcnt`): which counters the device has,
 * set up sampling, read samples back, switch sampling off.
 *
 * SET_DIAGNOSTIC_PARAMS is a debug write (scope DEBUG_WRITE): the first
 * `diagSet` / `diagDisable` on a device taints it, as the upstream scope
 * table says. Reading samples (QUERY_DIAGNOSTIC_COUNTERS) needs the
 * TOOLS_RESOURCES capability (sys_admin) in the simulated firmware.
 *
 * Owns: request building and sample decoding.
 */

import { buildInbox } from '@auxctl/core';
import {
  AuxError,
  CounterId,
  DiagnosticCntrStruct,
  DiagnosticParamsContext,
  type DiagSamplingSetup,
  Op,
  QueryDiagnosticCntrsIn,
  QueryDiagnosticCntrsOut,
  QueryDiagnosticParamsIn,
  QueryDiagnosticParamsOut,
  SetDiagnosticParamsIn,
  SetDiagnosticParamsOut,
  setDiagnosticParamsInbox,
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';
import { type DebugCaps, debugCaps } from './caps.js';
import { encodeArgs, fwCall } from './fw-call.js';

/** DiagCap: the device's sampling limits and counters. */
export type DiagCap = DebugCaps;

/** diagCap: the debug capability: sampling limits and the counter ids the device offers. */
export function diagCap(ch: CtlChannel): Promise<DiagCap> {
  return debugCaps(ch, 'cur');
}

/** DiagSetup: what `diagSet` configures (prm's sampling setup). */
export type DiagSetup = DiagSamplingSetup;

/** DiagParams: the sampler as the device reports it. */
export type DiagParams = ReturnType<typeof DiagnosticParamsContext.decode> & {
  readonly counterIds: number[];
};

/** diagSet: enable sampling as `setup` says. EINVAL for a malformed setup or what firmware refuses. */
export async function diagSet(ch: CtlChannel, setup: DiagSetup): Promise<void> {
  const ids = setup.counterIds;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 0xffff) {
    throw new AuxError('EINVAL', 'counterIds must list 1..65535 counter ids');
  }
  const inbox = encodeArgs(() => setDiagnosticParamsInbox(setup));
  await fwCall(ch, inbox, SetDiagnosticParamsOut.bytes);
}

/** diagDisable: switch sampling off (the sample buffer is dropped). */
export async function diagDisable(ch: CtlChannel): Promise<void> {
  await fwCall(
    ch,
    buildInbox(SetDiagnosticParamsIn, Op.SET_DIAGNOSTIC_PARAMS),
    SetDiagnosticParamsOut.bytes,
  );
}

/** diagParams: the current sampler configuration with its counter ids. */
export async function diagParams(ch: CtlChannel, maxCounters = 64): Promise<DiagParams> {
  const out = await fwCall(
    ch,
    buildInbox(QueryDiagnosticParamsIn, Op.QUERY_DIAGNOSTIC_PARAMS),
    QueryDiagnosticParamsOut.bytes + maxCounters * CounterId.bytes,
  );
  const ctx = DiagnosticParamsContext.decode(
    out,
    QueryDiagnosticParamsOut.byteOffset('diagnostic_params_context'),
  );
  const n = Math.min(ctx.num_of_counters, maxCounters);
  const counterIds = Array.from({ length: n }, (_, i) =>
    CounterId.get(out, 'counter_id', QueryDiagnosticParamsOut.bytes + i * CounterId.bytes),
  );
  return { ...ctx, counterIds };
}

/** DiagSample: one counter's value in one sample. */
export interface DiagSample {
  readonly counterId: number;
  readonly sampleId: number;
  readonly timeStamp: number;
  readonly value: bigint;
}

/**
 * diagDump: `numOfSamples` samples from buffer index `sampleIndex` (0 =
 * oldest kept), each as one entry per configured counter; slots not
 * sampled yet are left out. `counters` is how many counters are
 * configured (diagParams().counterIds.length; asked for when omitted).
 */
export async function diagDump(
  ch: CtlChannel,
  q: { readonly sampleIndex?: number; readonly numOfSamples: number; readonly counters?: number },
): Promise<DiagSample[]> {
  const counters = q.counters ?? (await diagParams(ch)).counterIds.length;
  const entries = q.numOfSamples * counters;
  const inbox = encodeArgs(() =>
    buildInbox(QueryDiagnosticCntrsIn, Op.QUERY_DIAGNOSTIC_COUNTERS, {
      num_of_samples: q.numOfSamples,
      sample_index: q.sampleIndex ?? 0,
    }),
  );
  const out = await fwCall(
    ch,
    inbox,
    QueryDiagnosticCntrsOut.bytes + entries * DiagnosticCntrStruct.bytes,
  );
  const samples: DiagSample[] = [];
  for (let i = 0; i < entries; i++) {
    const s = DiagnosticCntrStruct.decode(
      out,
      QueryDiagnosticCntrsOut.bytes + i * DiagnosticCntrStruct.bytes,
    );
    if (s.counter_id === 0) continue;
    samples.push({
      counterId: s.counter_id,
      sampleId: s.sample_id,
      timeStamp: s.time_stamp_31_0,
      value: (BigInt(s.counter_value_h) << 32n) | BigInt(s.counter_value_l),
    });
  }
  return samples;
}
