/**
 * accessReg: build an ACCESS_REG inbox and an outbox for register tests,
 * and run it through a RegisterFile, returning the register bytes of the
 * reply.
 */
import { AccessRegisterIn, AccessRegOpMod, Op, REGISTER_DATA_OFFSET } from '@auxctl/prm';
import type { RegisterFile } from '../register-file.js';

/** AccessRegOptions: the knobs of one ACCESS_REG. */
export interface AccessRegOptions {
  readonly uid?: number;
  readonly write?: boolean;
  /** Register bytes of the outbox (default: as many as the request carries). */
  readonly outBytes?: number;
}

/** accessRegInbox: header + `data`. */
export function accessRegInbox(
  registerId: number,
  data: Buffer,
  opt: AccessRegOptions = {},
): Buffer {
  const inbox = Buffer.alloc(REGISTER_DATA_OFFSET + data.length);
  AccessRegisterIn.write(inbox, {
    opcode: Op.ACCESS_REG,
    uid: opt.uid ?? 0,
    op_mod: opt.write ? AccessRegOpMod.WRITE : AccessRegOpMod.READ,
    register_id: registerId,
  });
  data.copy(inbox, REGISTER_DATA_OFFSET);
  return inbox;
}

/** accessReg: run one ACCESS_REG; returns the register bytes of the outbox (throws what access throws). */
export function accessReg(
  file: RegisterFile,
  registerId: number,
  data: Buffer,
  opt: AccessRegOptions = {},
): Buffer {
  const outbox = Buffer.alloc(REGISTER_DATA_OFFSET + (opt.outBytes ?? data.length));
  file.access(opt.uid ?? 0, accessRegInbox(registerId, data, opt), outbox);
  return outbox.subarray(REGISTER_DATA_OFFSET);
}
