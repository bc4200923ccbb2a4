/**
 * PAOS (0x5006) and PMTU (0x5003): a port's administrative status and MTU,
 * the registers a netdev's open / stop and MTU change use.
 *
 * PAOS read: `admin_status` (UP 1 / DOWN 2) and `oper_status` (the link,
 * see SimPort). PAOS write: with `ase` = 1, `admin_status` UP or DOWN is
 * applied and the link at both ends of the wire follows; without `ase`
 * nothing changes; another value is REG_BAD_FIELD.
 * PMTU read: `max_mtu`, `admin_mtu`, `oper_mtu`. PMTU write: `admin_mtu`
 * within 64..max_mtu (else REG_BAD_FIELD) becomes the MTU in effect.
 * A `local_port` the device does not have is REG_BAD_FIELD. No capability
 * is needed to read; writing needs uid 0 (firmware refuses others:
 * UID_NOT_ALLOWED), because a port is shared by every function user.
 */
import { CmdStatus, PaosReg, PmtuReg, PortStatus, RegisterId, Syndrome } from '@auxctl/prm';
import type { SimPort } from '../datapath/sim-port.js';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';
import { badField, type RegisterHandler, type RegisterRequest } from './register-handler.js';

function portOf(host: RegisterHost, n: number): SimPort {
  const p = host.port?.(n);
  if (!p) throw badField(`local_port ${n} does not exist`);
  return p;
}

function kernelOnly(req: RegisterRequest, name: string): void {
  if (req.access === 'write' && req.uid !== 0) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.UID_NOT_ALLOWED,
      `${name} writes are for uid 0`,
    );
  }
}

/** PaosRegister: the PAOS handler. */
export class PaosRegister implements RegisterHandler {
  readonly id = RegisterId.PAOS;
  readonly name = 'PAOS';
  readonly read = true;
  readonly write = true;
  readonly cap = 0;
  readonly inBytes = PaosReg.bytes;
  readonly outBytes = PaosReg.bytes;

  constructor(private readonly host: RegisterHost) {}

  handle(req: RegisterRequest): void {
    const r = PaosReg.decode(req.data);
    const port = portOf(this.host, r.local_port);
    kernelOnly(req, this.name);
    if (req.access === 'write' && r.ase === 1) {
      if (r.admin_status !== PortStatus.UP && r.admin_status !== PortStatus.DOWN) {
        throw badField(`PAOS admin_status ${r.admin_status}: use UP (1) or DOWN (2)`);
      }
      this.host.setPortAdmin?.(port, r.admin_status === PortStatus.UP);
    }
    PaosReg.write(req.out, {
      swid: r.swid,
      local_port: r.local_port,
      admin_status: port.adminUp ? PortStatus.UP : PortStatus.DOWN,
      oper_status: port.operUp ? PortStatus.UP : PortStatus.DOWN,
    });
  }

  reset(): void {}
}

/** PmtuRegister: the PMTU handler. */
export class PmtuRegister implements RegisterHandler {
  readonly id = RegisterId.PMTU;
  readonly name = 'PMTU';
  readonly read = true;
  readonly write = true;
  readonly cap = 0;
  readonly inBytes = PmtuReg.bytes;
  readonly outBytes = PmtuReg.bytes;

  constructor(private readonly host: RegisterHost) {}

  handle(req: RegisterRequest): void {
    const r = PmtuReg.decode(req.data);
    const port = portOf(this.host, r.local_port);
    kernelOnly(req, this.name);
    if (req.access === 'write') {
      if (r.admin_mtu < 64 || r.admin_mtu > port.maxMtu) {
        throw badField(`PMTU admin_mtu ${r.admin_mtu} outside 64..${port.maxMtu}`);
      }
      port.adminMtu = r.admin_mtu;
    }
    PmtuReg.write(req.out, {
      local_port: r.local_port,
      max_mtu: port.maxMtu,
      admin_mtu: port.adminMtu,
      oper_mtu: port.operMtu,
    });
  }

  reset(): void {}
}
