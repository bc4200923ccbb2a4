/**
 * makeInbox: a command inbox for transport tests: header fields set by
 * name, a tag in the reserved header bytes 8..11 (the stub engine records
 * it), and a deterministic payload pattern up to `length` bytes.
 */
import { CmdHdrIn } from '@auxctl/prm';

/** InboxSpec: what makeInbox puts in. */
export interface InboxSpec {
  readonly opMod?: number;
  readonly tag?: number;
  /** Total length (>= 16); bytes 16.. get a pattern. */
  readonly length?: number;
}

/** makeInbox: see the module header. */
export function makeInbox(opcode: number, spec: InboxSpec = {}): Buffer {
  const buf = Buffer.alloc(spec.length ?? 16);
  CmdHdrIn.set(buf, 'opcode', opcode);
  CmdHdrIn.set(buf, 'op_mod', spec.opMod ?? 0);
  buf.writeUInt32BE(spec.tag ?? 0, 8);
  for (let i = 16; i < buf.length; i++) buf[i] = (i * 7 + 3) & 0xff;
  return buf;
}

/** flush: let microtasks and one round of immediates run (real timers only). */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
