/**
 * RegisterFile: the simulated firmware's ACCESS_REG (0x805).
 *
 * The firmware hands every ACCESS_REG here with the caller's uid; the
 * register file decodes `access_register_in`, finds the register in its
 * table (id -> handler with name, supported access and required uctx
 * capability) and lets the handler act. Everything the registers need from
 * the device comes through `RegisterHost`.
 *
 * | id     | register      | access | uid != 0 needs  | module                   |
 * |--------|---------------|--------|-----------------|--------------------------|
 * | 0x402e | CORE_DUMP     | R / W  | TOOLS_RESOURCES | core-dump-register.ts    |
 * | 0x5003 | PMTU          | R / W  | - (write: uid 0)| port-registers.ts        |
 * | 0x5006 | PAOS          | R / W  | - (write: uid 0)| port-registers.ts        |
 * | 0x5008 | PPCNT         | R      | -               | ppcnt-register.ts        |
 * | 0x6001 | NODE_DESC     | R      | -               | node-desc-register.ts    |
 * | 0x9040 | MTRC_CAP      | R / W  | TOOLS_RESOURCES | trace-registers.ts       |
 * | 0x9041 | MTRC_CONF     | R / W  | TOOLS_RESOURCES | trace-registers.ts       |
 * | 0x9042 | MTRC_STDB     | R      | TOOLS_RESOURCES | trace-registers.ts       |
 * | 0x9043 | MTRC_CTRL     | R / W  | TOOLS_RESOURCES | trace-registers.ts       |
 * | 0xc000 | RESOURCE_DUMP | R / W  | TOOLS_RESOURCES | resource-dump-register.ts|
 * | 0xc00e | DTOR          | R      | -               | dtor-register.ts         |
 *
 * Checks, in order (every failure is FwError(status, syndrome)):
 * 1. inbox or outbox shorter than the 16-byte header: BAD_INP_LEN /
 *    SHORT_INBOX, BAD_OUTP_LEN / SHORT_OUTBOX;
 * 2. `op_mod` not WRITE (0) or READ (1): BAD_PARAM / BAD_OP_MOD;
 * 3. unknown `register_id`: BAD_PARAM / REG_UNKNOWN;
 * 4. access the register does not support: BAD_PARAM / REG_BAD_ACCESS;
 * 5. uid != 0 that does not exist: BAD_PARAM / UID_UNKNOWN; that lacks the
 *    register's capability: BAD_PARAM / UID_LACKS_CAP;
 * 6. register data in the inbox shorter than the register's layout:
 *    BAD_INP_LEN / REG_SHORT_DATA; outbox room after the header shorter
 *    than the register's reply: BAD_OUTP_LEN / REG_SHORT_OUTBOX (the
 *    firmware's length statuses, because the command is malformed rather
 *    than a field wrong);
 * 7. the register's own checks (REG_BAD_FIELD, REG_BAD_CONTINUATION, ...).
 * The register region of the outbox is zeroed before the handler writes
 * it; the outbox header belongs to the caller.
 *
 * Owns: the registers' state (dump captures and cursors, tracer).
 * Never: touches firmware tables except through the host.
 */
import {
  AccessRegisterIn,
  AccessRegOpMod,
  CmdStatus,
  REGISTER_DATA_OFFSET,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';
import { CoreDumpRegister } from './core-dump-register.js';
import { DtorRegister } from './dtor-register.js';
import { NodeDescRegister } from './node-desc-register.js';
import { PaosRegister, PmtuRegister } from './port-registers.js';
import { PpcntRegister } from './ppcnt-register.js';
import type { RegisterHandler } from './register-handler.js';
import { ResourceDumpRegister } from './resource-dump-register.js';
import { createTraceRegisters } from './trace-registers.js';

/** RegisterInfo: a register of the table, for listing. */
export interface RegisterInfo {
  readonly id: number;
  readonly name: string;
  readonly read: boolean;
  readonly write: boolean;
  readonly cap: number;
}

/** RegisterFile: ACCESS_REG decoding, the register table and its state. */
export class RegisterFile {
  private readonly table: ReadonlyMap<number, RegisterHandler>;

  constructor(private readonly host: RegisterHost) {
    const tools = UctxCap.TOOLS_RESOURCES;
    const handlers: RegisterHandler[] = [
      new CoreDumpRegister(host, tools),
      new PpcntRegister(host),
      new PaosRegister(host),
      new PmtuRegister(host),
      ...createTraceRegisters(host, tools),
      new ResourceDumpRegister(host, tools),
      new DtorRegister(),
      new NodeDescRegister(),
    ];
    this.table = new Map(handlers.map((h) => [h.id, h]));
  }

  /** registers: the table, in id order. */
  registers(): RegisterInfo[] {
    return [...this.table.values()]
      .map(({ id, name, read, write, cap }) => ({ id, name, read, write, cap }))
      .sort((a, b) => a.id - b.id);
  }

  /**
   * access: execute ACCESS_REG: decode `access_register_in` from `inbox`
   * (register data from byte 16) and write the register's reply into
   * `outbox` from byte 16. Throws FwError(status, syndrome) on failure
   * (the checks above); never anything else for any input bytes.
   */
  access(uid: number, inbox: Buffer, outbox: Buffer): void {
    if (inbox.length < REGISTER_DATA_OFFSET) {
      throw new FwError(CmdStatus.BAD_INP_LEN, Syndrome.SHORT_INBOX, 'ACCESS_REG inbox < 16 bytes');
    }
    if (outbox.length < REGISTER_DATA_OFFSET) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.SHORT_OUTBOX,
        'ACCESS_REG outbox < 16 bytes',
      );
    }
    const opMod = AccessRegisterIn.get(inbox, 'op_mod');
    if (opMod !== AccessRegOpMod.WRITE && opMod !== AccessRegOpMod.READ) {
      throw new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_OP_MOD, `ACCESS_REG op_mod ${opMod}`);
    }
    const id = AccessRegisterIn.get(inbox, 'register_id');
    const reg = this.table.get(id);
    if (!reg) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.REG_UNKNOWN,
        `register 0x${id.toString(16)} is not implemented`,
      );
    }
    const access = opMod === AccessRegOpMod.READ ? 'read' : 'write';
    if (!reg[access]) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.REG_BAD_ACCESS,
        `${reg.name} cannot be accessed for ${access}`,
      );
    }
    this.checkUid(uid, reg);
    const data = inbox.subarray(REGISTER_DATA_OFFSET);
    if (data.length < reg.inBytes) {
      throw new FwError(
        CmdStatus.BAD_INP_LEN,
        Syndrome.REG_SHORT_DATA,
        `${reg.name} needs ${reg.inBytes} register bytes, got ${data.length}`,
      );
    }
    const out = outbox.subarray(REGISTER_DATA_OFFSET);
    if (out.length < reg.outBytes) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.REG_SHORT_OUTBOX,
        `${reg.name} needs ${reg.outBytes} register bytes of outbox, got ${out.length}`,
      );
    }
    out.fill(0);
    reg.handle({ uid, access, argument: AccessRegisterIn.get(inbox, 'argument'), data, out });
  }

  /** reset: forget per-device register state (dump cursors, tracer) after a device reset. */
  reset(): void {
    for (const reg of this.table.values()) reg.reset();
  }

  private checkUid(uid: number, reg: RegisterHandler): void {
    if (uid === 0) return;
    const caps = this.host.uidCaps(uid);
    if (caps === undefined) {
      throw new FwError(CmdStatus.BAD_PARAM, Syndrome.UID_UNKNOWN, `uid ${uid} does not exist`);
    }
    if ((caps & reg.cap) !== reg.cap) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.UID_LACKS_CAP,
        `${reg.name} needs uctx capability 0x${reg.cap.toString(16)}; uid ${uid} has 0x${caps.toString(16)}`,
      );
    }
  }
}
