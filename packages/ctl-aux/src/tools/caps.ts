/**
 * Capability queries (mlx5ctlu `cap`): QUERY_HCA_CAP through a context,
 * decoded with core's layouts.
 *
 * QUERY_HCA_CAP's op_mod is `cap_type << 1 | (1 current, 0 maximum)`; the
 * answer is the 4 KiB capability union. `generalCaps` decodes cmd_hca_cap
 * (current and maximum), `debugCaps` the debug capability with the list of
 * diagnostic counters the device offers.
 *
 * Owns: nothing but decoding. Never: caches (capabilities change on reload).
 */
import { buildInbox, type GeneralCaps } from '@auxctl/core';
import {
  CapType,
  CmdHcaCap,
  DebugCap,
  DiagnosticCntrLayout,
  hcaCapOpMod,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';
import { fwCall } from './fw-call.js';

/** CapWhich: current (what the driver set) or maximum (what the device supports). */
export type CapWhich = 'cur' | 'max';

/** queryCap: the raw 4 KiB capability block of `capType`. Throws the status errno on failure. */
export async function queryCap(
  ch: CtlChannel,
  capType: number,
  which: CapWhich = 'cur',
): Promise<Buffer> {
  const inbox = buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
    op_mod: hcaCapOpMod(capType, which === 'cur'),
  });
  const out = await fwCall(ch, inbox, QueryHcaCapOut.bytes);
  return Buffer.from(QueryHcaCapOut.view(out, 'capability'));
}

/** generalCaps: the general device capabilities (cmd_hca_cap), current and maximum. */
export async function generalCaps(ch: CtlChannel): Promise<{ cur: GeneralCaps; max: GeneralCaps }> {
  const [cur, max] = await Promise.all([
    queryCap(ch, CapType.GENERAL, 'cur'),
    queryCap(ch, CapType.GENERAL, 'max'),
  ]);
  return { cur: CmdHcaCap.decode(cur), max: CmdHcaCap.decode(max) };
}

/** DebugCaps: the debug capability, with the diagnostic counters listed after it. */
export type DebugCaps = ReturnType<typeof DebugCap.decode> & {
  readonly counters: ReadonlyArray<{ readonly id: number; readonly sync: boolean }>;
};

/** debugCaps: the debug capability (cap_type 0xd) and its diagnostic counter list. */
export async function debugCaps(ch: CtlChannel, which: CapWhich = 'cur'): Promise<DebugCaps> {
  const [general, block] = await Promise.all([
    queryCap(ch, CapType.GENERAL, which),
    queryCap(ch, CapType.DEBUG, which),
  ]);
  const n = CmdHcaCap.get(general, 'num_of_diagnostic_counters');
  const fit = Math.floor((block.length - DebugCap.bytes) / DiagnosticCntrLayout.bytes);
  const counters = Array.from({ length: Math.min(n, fit) }, (_, i) => {
    const at = DebugCap.bytes + i * DiagnosticCntrLayout.bytes;
    return {
      id: DiagnosticCntrLayout.get(block, 'counter_id', at),
      sync: DiagnosticCntrLayout.get(block, 'sync', at) === 1,
    };
  });
  return { ...DebugCap.decode(block), counters };
}
