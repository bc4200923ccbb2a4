/**
 * Other-function commands: QUERY_OTHER_HCA_CAP (0x10e), QUERY_ESW_FUNCTIONS
 * (0x740) and QUERY_HCA_VPORT_CONTEXT (0x762) — the only way a function
 * sees another one (the SFs and VFs it hosts, see sub-functions.ts and
 * virtual-functions.ts).
 *
 * - QUERY_OTHER_HCA_CAP: `function_id` must name an *enabled* SF or VF of
 *   this function (else BAD_PARAM / FUNCTION_UNKNOWN); op_mod 0 = max, 1 =
 *   current; answers `other_hca_cap` (ifc/esw-functions.ts).
 * - QUERY_ESW_FUNCTIONS: the host's SF table: the enable bitmap and one
 *   entry per SF index, as far as the outbox has room.
 * - QUERY_HCA_VPORT_CONTEXT: own vport (other_vport 0, vport_number 0), or
 *   with other_vport an enabled SF's or VF's vport (vport_number = its
 *   function id);
 *   anything else BAD_PARAM / VPORT_OTHER. `port_guid` is the EUI-64 of the
 *   vport's MAC.
 * An SF hosts nothing, so from an SF each of these sees only itself.
 * Queries are open to any uid (the ctl scope table places them).
 *
 * Owns: the handlers only.
 */
import {
  CmdStatus,
  EswSfEntry,
  EswSfState,
  HcaVportContext,
  macToEui64,
  Op,
  OtherHcaCap,
  QueryEswFunctionsIn,
  QueryEswFunctionsOut,
  QueryHcaVportContextIn,
  QueryHcaVportContextOut,
  QueryOtherHcaCapIn,
  QueryOtherHcaCapOut,
  Syndrome,
} from '@auxctl/prm';
import type { Datapath } from '../datapath/datapath.js';
import type { Firmware } from '../firmware.js';
import { FwError } from '../fw-error.js';
import { type CommandSpec, ENABLED, type FwContext, INITIALIZED } from './command.js';
import { vportState } from './vport.js';

const PCI_RE = /^[0-9a-f]{4}:([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/;

function enabledSf(fw: FwContext, functionId: number) {
  const sf = fw.functions?.get(functionId);
  if (!sf?.firmware || sf.state !== 'enabled') return undefined;
  return sf;
}

/** hostedFirmware: the firmware of the enabled SF or VF `functionId` this function hosts. */
export function hostedFirmware(fw: FwContext, functionId: number): Firmware | undefined {
  return enabledSf(fw, functionId)?.firmware ?? fw.vfs?.get(functionId)?.firmware;
}

/** eswFunctionCommands: see the module header. */
export const eswFunctionCommands: readonly CommandSpec[] = [
  {
    opcode: Op.QUERY_OTHER_HCA_CAP,
    in: QueryOtherHcaCapIn,
    out: QueryOtherHcaCapOut,
    opMods: [0, 1],
    states: ENABLED,
    access: 'any',
    run: (fw, { inbox, outbox, opMod }) => {
      const id = QueryOtherHcaCapIn.get(inbox, 'function_id');
      const other = hostedFirmware(fw, id);
      if (!other) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.FUNCTION_UNKNOWN,
          `function_id ${id} is not an enabled SF or VF of this function`,
        );
      }
      const which = opMod === 1 ? 'cur' : 'max';
      const cap = (f: Parameters<typeof other.capability>[0]) => other.capability(f, which);
      const out = QueryOtherHcaCapOut.view(outbox, 'other_capability');
      OtherHcaCap.write(out, {
        roce: cap('roce'),
        vhca_id: cap('vhca_id'),
        log_max_qp: cap('log_max_qp'),
        log_max_cq: cap('log_max_cq'),
        log_max_mkey: cap('log_max_mkey'),
        log_max_pd: cap('log_max_pd'),
        log_max_uctx: cap('log_max_uctx'),
        max_uctx: Math.min(0xffff, enabledSf(fw, id)?.maxUctx ?? 2 ** cap('log_max_uctx')),
        uctx_cap: cap('uctx_cap'),
      });
    },
  },
  {
    opcode: Op.QUERY_ESW_FUNCTIONS,
    in: QueryEswFunctionsIn,
    out: QueryEswFunctionsOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { outbox }) => {
      const m = PCI_RE.exec(fw.identity.bdf);
      QueryEswFunctionsOut.write(outbox, {
        host_number: 0,
        host_pci_bus: m ? Number.parseInt(m[1]!, 16) : 0,
        host_pci_device: m ? Number.parseInt(m[2]!, 16) : 0,
        host_pci_function: m ? Number.parseInt(m[3]!, 16) : 0,
      });
      const fns = fw.functions;
      const max = fns?.maxFunctions ?? 0;
      if (!fns || max === 0) return;
      const bitmapAt = QueryEswFunctionsOut.bytes;
      const entriesAt = bitmapAt + Math.ceil(max / 64) * 8;
      for (const sf of fns.list()) {
        const word = bitmapAt + (sf.index >> 6) * 8;
        if (sf.state === 'enabled' && word + 8 <= outbox.length) {
          const v = outbox.readBigUInt64BE(word) | (1n << BigInt(sf.index & 63));
          outbox.writeBigUInt64BE(v, word);
        }
        const at = entriesAt + sf.index * EswSfEntry.bytes;
        if (at + EswSfEntry.bytes > outbox.length) continue;
        EswSfEntry.write(
          outbox,
          {
            state: sf.state === 'enabled' ? EswSfState.ENABLED : EswSfState.ALLOCATED,
            function_id: sf.functionId,
            sfnum: sf.sfnum,
          },
          at,
        );
      }
    },
  },
  {
    opcode: Op.QUERY_HCA_VPORT_CONTEXT,
    in: QueryHcaVportContextIn,
    out: QueryHcaVportContextOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox }) => {
      const other = QueryHcaVportContextIn.get(inbox, 'other_vport') === 1;
      const vport = QueryHcaVportContextIn.get(inbox, 'vport_number');
      const portNum = QueryHcaVportContextIn.get(inbox, 'port_num') || 1;
      let dp: Datapath | undefined;
      if (!other && vport === 0) dp = fw.datapath;
      else if (other) dp = hostedFirmware(fw, vport)?.datapath;
      if (!dp) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.VPORT_OTHER,
          `vport ${vport} is neither this function's nor one of its enabled sub-functions'`,
        );
      }
      const port = dp.port(portNum);
      if (!port) {
        throw new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_PORT, `no port ${portNum}`);
      }
      HcaVportContext.write(QueryHcaVportContextOut.view(outbox, 'hca_vport_context'), {
        port_physical_state: port.operUp ? 5 : 3,
        port_state: port.operUp ? 4 : 1,
        vport_state_policy: dp.vport.adminState,
        vport_state: vportState(dp),
        port_guid: macToEui64(dp.vport.mac),
      });
    },
  },
];
