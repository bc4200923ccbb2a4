/**
 * StubEngine: a tiny FirmwareEngine for transport tests.
 *
 * It answers every opcode with status OK and echoes what it was given, so
 * a test can see that bytes crossed the queue intact in both directions:
 * outbox bytes 8..15 repeat the first 8 inbox bytes (opcode, uid, op_mod),
 * bytes 16.. repeat the inbox payload (zero past its end). It implements
 * the optional fault hooks (injectFatal, forceStatus, clearFaults) and
 * records the commands it ran. Never used outside tests.
 */
import { CmdHdrIn, CmdHdrOut, HealthBuffer } from '@auxctl/prm';
import type { FirmwareEngine } from '../firmware-engine.js';

/** StubCall: one command the stub ran. */
export interface StubCall {
  readonly opcode: number;
  readonly opMod: number;
  /** inbox bytes 8..11 (reserved in every header): a tag tests use to follow a command. */
  readonly tag: number;
  readonly inLen: number;
  readonly outLen: number;
}

/** StubEngine: see the module header. */
export class StubEngine implements FirmwareEngine {
  halted = false;
  /** Set false for benchmarks. */
  record = true;
  readonly calls: StubCall[] = [];
  /** Throw from execute (to test the device's FW_ERR path). */
  throwOnExecute = false;
  resets = 0;
  private synd = 0;
  private counter = 0;
  private readonly forced = new Map<number, { status: number; syndrome: number; left: number }>();

  execute(inbox: Buffer, outLen: number): Buffer {
    if (this.throwOnExecute) throw new Error('stub engine asked to throw');
    const opcode = CmdHdrIn.get(inbox, 'opcode');
    if (this.record) {
      this.calls.push({
        opcode,
        opMod: CmdHdrIn.get(inbox, 'op_mod'),
        tag: inbox.readUInt32BE(8),
        inLen: inbox.length,
        outLen,
      });
    }
    const out = Buffer.alloc(outLen);
    const f = this.forced.get(opcode);
    if (f) {
      if (--f.left === 0) this.forced.delete(opcode);
      CmdHdrOut.set(out, 'status', f.status);
      CmdHdrOut.set(out, 'syndrome', f.syndrome);
      return out;
    }
    inbox.copy(out, 8, 0, 8);
    if (inbox.length > 16 && outLen > 16) inbox.copy(out, 16, 16, Math.min(inbox.length, outLen));
    return out;
  }

  readHealth(): Buffer {
    const b = HealthBuffer.alloc();
    HealthBuffer.set(b, 'synd', this.synd);
    return b;
  }

  healthCounter(): number {
    if (!this.halted) this.counter++;
    return this.counter;
  }

  reset(): void {
    this.halted = false;
    this.synd = 0;
    this.forced.clear();
    this.resets++;
  }

  injectFatal(synd: number): void {
    this.synd = synd;
    this.halted = true;
  }

  forceStatus(opcode: number, status: number, syndrome: number, count: number): void {
    this.forced.set(opcode, { status, syndrome, left: count });
  }

  clearFaults(): void {
    this.forced.clear();
  }
}
