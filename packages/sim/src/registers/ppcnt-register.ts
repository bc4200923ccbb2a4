/**
 * PPCNT (0x5008): port counters, read from the host's counter store.
 *
 * Read-only; no capability needed. The request names `local_port`
 * (1-based) and `grp`; the reply echoes `swid`, `local_port`, `pnat`,
 * `grp`, `clr` and `prio_tc` and fills `counter_set` with the group's
 * counters from `host.portCounters(local_port)` by PRM name (absent names
 * read 0; 64-bit values split into `_high` / `_low`). With `clr` = 1 the
 * reply carries the values before clearing and then every counter of that
 * group that the store holds is set to 0 (other groups keep theirs).
 *
 * Groups: IEEE 802.3 (0x0), RFC 2863 (0x1), physical layer (0x12) and
 * physical layer statistical (0x16). A port the device does not have, or
 * another group, is REG_BAD_FIELD. `prio_tc` and `pnat` are echoed and
 * otherwise ignored (no per-priority groups are modelled).
 */
import {
  type CounterGroupLayout,
  groupCounters,
  PPCNT_GROUP_LAYOUTS,
  PpcntReg,
  RegisterId,
  writeGroupCounters,
} from '@auxctl/prm';
import type { RegisterHost } from '../register-host.js';
import { badField, type RegisterHandler, type RegisterRequest } from './register-handler.js';

/** PPCNT_GROUPS: the counter groups this firmware answers, by `grp`. */
export const PPCNT_GROUPS: ReadonlyMap<number, CounterGroupLayout> = PPCNT_GROUP_LAYOUTS;

/** PpcntRegister: the PPCNT handler. */
export class PpcntRegister implements RegisterHandler {
  readonly id = RegisterId.PPCNT;
  readonly name = 'PPCNT';
  readonly read = true;
  readonly write = false;
  readonly cap = 0;
  readonly inBytes = PpcntReg.bytes;
  readonly outBytes = PpcntReg.bytes;

  constructor(private readonly host: RegisterHost) {}

  handle(req: RegisterRequest): void {
    const inn = PpcntReg.decode(req.data);
    const group = PPCNT_GROUPS.get(inn.grp);
    if (!group) throw badField(`PPCNT group 0x${inn.grp.toString(16)} is not supported`);
    const store = this.host.portCounters(inn.local_port);
    if (!store) throw badField(`local_port ${inn.local_port} does not exist`);
    PpcntReg.write(req.out, {
      swid: inn.swid,
      local_port: inn.local_port,
      pnat: inn.pnat,
      grp: inn.grp,
      clr: inn.clr,
      prio_tc: inn.prio_tc,
    });
    const base = PpcntReg.byteOffset('counter_set');
    writeGroupCounters(group, req.out, base, (name) => store.get(name) ?? 0n);
    if (inn.clr === 1) {
      for (const c of groupCounters(group)) if (store.has(c.name)) store.set(c.name, 0n);
    }
  }

  reset(): void {}
}
