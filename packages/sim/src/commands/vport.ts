/**
 * The function's NIC vport: QUERY_VPORT_STATE (0x750), MODIFY_VPORT_STATE
 * (0x751), QUERY_NIC_VPORT_CONTEXT (0x754), MODIFY_NIC_VPORT_CONTEXT
 * (0x755), QUERY_VPORT_COUNTER (0x770).
 *
 * One vport per function: `other_vport` = 1 or a `vport_number` other than
 * 0 is BAD_PARAM / VPORT_OTHER. The vport's state follows port 1's link
 * when its admin state is FOLLOW (the default), else the admin state.
 * Queries are open to any uid; modifications are the kernel's (uid 0).
 * MODIFY_NIC_VPORT_CONTEXT applies the fields `field_select` names:
 * `permanent_address` (the MAC receive steering accepts) and `mtu`
 * (recorded; PMTU is what limits frames). QUERY_VPORT_COUNTER with `clear`
 * returns the counters and then zeroes them.
 *
 * Owns: the handlers only.
 */
import {
  CmdOut,
  CmdStatus,
  MacAddressLayout,
  ModifyNicVportContextIn,
  ModifyVportStateIn,
  macFromFields,
  macToFields,
  NicVportContext,
  Op,
  QueryNicVportContextIn,
  QueryNicVportContextOut,
  QueryVportCounterIn,
  QueryVportCounterOut,
  QueryVportStateIn,
  QueryVportStateOut,
  Syndrome,
  TrafficCounter,
  VPORT_TRAFFIC_COUNTERS,
  VportState,
} from '@auxctl/prm';
import type { Datapath } from '../datapath/datapath.js';
import { FwError } from '../fw-error.js';
import { type CommandSpec, INITIALIZED } from './command.js';

/** ownVport: refuse another vport (all five inboxes share these two fields). */
function ownVport(inbox: Buffer): void {
  if (
    QueryVportStateIn.get(inbox, 'other_vport') !== 0 ||
    QueryVportStateIn.get(inbox, 'vport_number') !== 0
  ) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.VPORT_OTHER,
      "only the function's own vport (0) exists",
    );
  }
}

/** vportState: the operational state of `dp`'s vport (port 1's link under FOLLOW). */
export function vportState(dp: Datapath): number {
  const admin = dp.vport.adminState;
  if (admin !== VportState.FOLLOW) return admin;
  return dp.port(1)?.operUp ? VportState.UP : VportState.DOWN;
}

/** vportCommands: see the module header. */
export const vportCommands: readonly CommandSpec[] = [
  {
    opcode: Op.QUERY_VPORT_STATE,
    in: QueryVportStateIn,
    out: QueryVportStateOut,
    opMods: [0, 1],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox }) => {
      ownVport(inbox);
      QueryVportStateOut.set(outbox, 'admin_state', fw.datapath.vport.adminState);
      QueryVportStateOut.set(outbox, 'state', vportState(fw.datapath));
    },
  },
  {
    opcode: Op.MODIFY_VPORT_STATE,
    in: ModifyVportStateIn,
    out: CmdOut,
    opMods: [0, 1],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox }) => {
      ownVport(inbox);
      const admin = ModifyVportStateIn.get(inbox, 'admin_state');
      if (admin > VportState.FOLLOW) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.BAD_FIELD,
          `admin_state ${admin}: use 0, 1 or 2`,
        );
      }
      fw.datapath.vport.adminState = admin;
    },
  },
  {
    opcode: Op.QUERY_NIC_VPORT_CONTEXT,
    in: QueryNicVportContextIn,
    out: QueryNicVportContextOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox }) => {
      ownVport(inbox);
      const v = fw.datapath.vport;
      const at = QueryNicVportContextOut.byteOffset('nic_vport_context');
      NicVportContext.write(outbox, { mtu: v.mtu, roce_en: 1 }, at);
      MacAddressLayout.write(
        outbox,
        macToFields(v.mac),
        at + NicVportContext.byteOffset('permanent_address'),
      );
    },
  },
  {
    opcode: Op.MODIFY_NIC_VPORT_CONTEXT,
    in: ModifyNicVportContextIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox }) => {
      ownVport(inbox);
      const sel = ModifyNicVportContextIn.decode(inbox).field_select;
      const at = ModifyNicVportContextIn.byteOffset('nic_vport_context');
      const v = fw.datapath.vport;
      if (sel.permanent_address) {
        const m = MacAddressLayout.decode(
          inbox,
          at + NicVportContext.byteOffset('permanent_address'),
        );
        v.mac = macFromFields(m.mac_addr_47_32, m.mac_addr_31_0);
      }
      if (sel.mtu) v.mtu = NicVportContext.get(inbox, 'mtu', at);
    },
  },
  {
    opcode: Op.QUERY_VPORT_COUNTER,
    in: QueryVportCounterIn,
    out: QueryVportCounterOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox }) => {
      ownVport(inbox);
      const counters = fw.datapath.vport.counters;
      for (const name of VPORT_TRAFFIC_COUNTERS) {
        const c = counters.get(name);
        if (!c) continue;
        TrafficCounter.write(
          outbox,
          { packets: c.packets, octets: c.octets },
          QueryVportCounterOut.byteOffset(name),
        );
      }
      if (QueryVportCounterIn.get(inbox, 'clear') === 1) counters.clear();
    },
  },
];
