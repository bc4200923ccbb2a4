/**
 * Port and vport command builders: the vport's state, context and
 * counters (QUERY/MODIFY_VPORT_STATE, QUERY/MODIFY_NIC_VPORT_CONTEXT,
 * QUERY_VPORT_COUNTER) and the port registers a netdev needs (PAOS for
 * open / stop, PMTU for the MTU, PPCNT for ethtool-style statistics), all
 * for the function's own vport and a 1-based local port.
 *
 * Owns: nothing; stateless.
 */

import {
  AuxError,
  CmdOut,
  MacAddressLayout,
  ModifyNicVportContextIn,
  ModifyVportStateIn,
  macFromFields,
  macToFields,
  NicVportContext,
  Op,
  PaosReg,
  PmtuReg,
  PortStatus,
  PPCNT_GROUP_LAYOUTS,
  PpcntReg,
  QueryNicVportContextIn,
  QueryNicVportContextOut,
  QueryVportCounterIn,
  QueryVportCounterOut,
  QueryVportStateIn,
  QueryVportStateOut,
  RegisterId,
  readGroupCounters,
  TrafficCounter,
  VPORT_TRAFFIC_COUNTERS,
  VportState,
  type VportTrafficCounter,
} from '@auxctl/prm';
import { accessRegister, buildInbox, type CommandExecutor } from './firmware-commands.js';

/** LinkState: a port's or vport's state as drivers see it. */
export type LinkState = 'up' | 'down';

/** queryVportState: QUERY_VPORT_STATE: the vport's state and its admin state (DOWN/UP/FOLLOW). */
export async function queryVportState(
  cmd: CommandExecutor,
): Promise<{ state: LinkState; adminState: number }> {
  const out = await cmd.cmdExec(
    buildInbox(QueryVportStateIn, Op.QUERY_VPORT_STATE),
    QueryVportStateOut.bytes,
  );
  return {
    state: QueryVportStateOut.get(out, 'state') === VportState.UP ? 'up' : 'down',
    adminState: QueryVportStateOut.get(out, 'admin_state'),
  };
}

/** modifyVportState: MODIFY_VPORT_STATE (admin state VportState.DOWN / UP / FOLLOW). */
export async function modifyVportState(cmd: CommandExecutor, adminState: number): Promise<void> {
  await cmd.cmdExec(
    buildInbox(ModifyVportStateIn, Op.MODIFY_VPORT_STATE, { admin_state: adminState }),
    CmdOut.bytes,
  );
}

/** queryNicVportContext: the vport's MAC (`permanent_address`) and MTU. */
export async function queryNicVportContext(
  cmd: CommandExecutor,
): Promise<{ mac: Buffer; mtu: number }> {
  const out = await cmd.cmdExec(
    buildInbox(QueryNicVportContextIn, Op.QUERY_NIC_VPORT_CONTEXT),
    QueryNicVportContextOut.bytes,
  );
  const at = QueryNicVportContextOut.byteOffset('nic_vport_context');
  const m = MacAddressLayout.decode(out, at + NicVportContext.byteOffset('permanent_address'));
  return {
    mac: macFromFields(m.mac_addr_47_32, m.mac_addr_31_0),
    mtu: NicVportContext.get(out, 'mtu', at),
  };
}

/** modifyNicVportContext: set the vport's MAC and / or MTU. */
export async function modifyNicVportContext(
  cmd: CommandExecutor,
  p: { mac?: Buffer; mtu?: number },
): Promise<void> {
  if (p.mac && p.mac.length !== 6) throw new AuxError('EINVAL', 'a MAC address is 6 bytes');
  const inbox = buildInbox(ModifyNicVportContextIn, Op.MODIFY_NIC_VPORT_CONTEXT, {
    field_select: {
      permanent_address: p.mac ? 1 : 0,
      mtu: p.mtu !== undefined ? 1 : 0,
    } as never,
  });
  const at = ModifyNicVportContextIn.byteOffset('nic_vport_context');
  if (p.mtu !== undefined) NicVportContext.set(inbox, 'mtu', p.mtu, at);
  if (p.mac)
    MacAddressLayout.write(
      inbox,
      macToFields(p.mac),
      at + NicVportContext.byteOffset('permanent_address'),
    );
  await cmd.cmdExec(inbox, CmdOut.bytes);
}

/** VportCounters: packets and octets per traffic class. */
export type VportCounters = Record<VportTrafficCounter, { packets: bigint; octets: bigint }>;

/** queryVportCounters: QUERY_VPORT_COUNTER; `clear` zeroes them after reading. */
export async function queryVportCounters(
  cmd: CommandExecutor,
  clear = false,
): Promise<VportCounters> {
  const out = await cmd.cmdExec(
    buildInbox(QueryVportCounterIn, Op.QUERY_VPORT_COUNTER, { clear: clear ? 1 : 0 }),
    QueryVportCounterOut.bytes,
  );
  const r = {} as VportCounters;
  for (const name of VPORT_TRAFFIC_COUNTERS) {
    r[name] = TrafficCounter.decode(out, QueryVportCounterOut.byteOffset(name));
  }
  return r;
}

/** readPaos: PAOS read: a port's admin and operational status. */
export async function readPaos(
  cmd: CommandExecutor,
  port: number,
): Promise<{ admin: LinkState; oper: LinkState }> {
  const reg = await accessRegister(cmd, RegisterId.PAOS, 1, PaosReg.encode({ local_port: port }));
  const st = (v: number): LinkState => (v === PortStatus.UP ? 'up' : 'down');
  return { admin: st(PaosReg.get(reg, 'admin_status')), oper: st(PaosReg.get(reg, 'oper_status')) };
}

/** writePaos: PAOS write (ase = 1): bring a port administratively up or down. */
export async function writePaos(
  cmd: CommandExecutor,
  port: number,
  admin: LinkState,
): Promise<void> {
  const data = PaosReg.encode({
    local_port: port,
    admin_status: admin === 'up' ? PortStatus.UP : PortStatus.DOWN,
    ase: 1,
  });
  await accessRegister(cmd, RegisterId.PAOS, 0, data);
}

/** readPmtu: PMTU read: maximum, administrative and operational hardware MTU. */
export async function readPmtu(
  cmd: CommandExecutor,
  port: number,
): Promise<{ max: number; admin: number; oper: number }> {
  const reg = await accessRegister(cmd, RegisterId.PMTU, 1, PmtuReg.encode({ local_port: port }));
  return {
    max: PmtuReg.get(reg, 'max_mtu'),
    admin: PmtuReg.get(reg, 'admin_mtu'),
    oper: PmtuReg.get(reg, 'oper_mtu'),
  };
}

/** writePmtu: PMTU write: the hardware MTU (software MTU + 22 for an Ethernet netdev). */
export async function writePmtu(cmd: CommandExecutor, port: number, mtu: number): Promise<void> {
  await accessRegister(
    cmd,
    RegisterId.PMTU,
    0,
    PmtuReg.encode({ local_port: port, admin_mtu: mtu }),
  );
}

/** readPortCounters: PPCNT read of counter group `grp` (PpcntGroup), by PRM counter name. */
export async function readPortCounters(
  cmd: CommandExecutor,
  port: number,
  grp: number,
  clear = false,
): Promise<Map<string, bigint>> {
  const group = PPCNT_GROUP_LAYOUTS.get(grp);
  if (!group) throw new AuxError('EINVAL', `PPCNT group 0x${grp.toString(16)} is not modelled`);
  const reg = await accessRegister(
    cmd,
    RegisterId.PPCNT,
    1,
    PpcntReg.encode({ local_port: port, grp, clr: clear ? 1 : 0 }),
  );
  return readGroupCounters(group, reg, PpcntReg.byteOffset('counter_set'));
}
