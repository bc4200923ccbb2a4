/**
 * FaultInjector: makes the simulated device misbehave on purpose.
 *
 * Tests, the demo and (later) the server's debug endpoints use it, as
 * `simDevice.faults`, to reproduce the failures users debug on real
 * hardware. Transport faults are carried out by the device itself:
 * - `delay(opcode, ms)`: every command of `opcode` completes `ms` later
 *   (until set to 0 or cleared);
 * - `loseCompletions(opcode, n)`: the next n commands of `opcode` are
 *   accepted and never completed (the driver times out); here and below
 *   n may be Infinity (every such command until cleared);
 * - `corruptMailbox(opcode, n)`: the next n commands of `opcode` have
 *   their inbox corrupted in transit. An inline-only inbox fails the entry
 *   signature; a chained one is caught only when the device checks mailbox
 *   checksums (`SimDevice` option `checksum`): then firmware answers
 *   delivery status SIGNAT_ERR and does not run it, else it runs on the
 *   damaged bytes, as hardware with checksums off would.
 * Firmware faults are passed through to the engine, which implements them
 * (optional `FirmwareEngine` members; EOPNOTSUPP when the engine lacks one):
 * - `fatal(synd, extSynd)`: firmware asserts and halts (health shows it);
 * - `forceStatus(opcode, status, syndrome, n)`: the next n commands of
 *   `opcode` fail with that status and syndrome.
 * `clear()` removes every armed fault (a fatal error stays until reset).
 *
 * Owns: the armed transport faults. Never: touches queue memory (the
 * device asks `delayMs` / `takeLost` / `takeCorrupt` per command).
 */
import {
  AuxError,
  checkHealthSyndrome,
  HealthSyndrome,
  Op,
  type OpcodeName,
  opcodeName,
  Syndrome,
} from '@auxctl/prm';
import type { FirmwareEngine } from './firmware-engine.js';

/** OpcodeRef: an opcode by number or by name (`'NOP'`). */
export type OpcodeRef = number | OpcodeName;

/** ArmedFault: one armed transport fault, for listings. */
export interface ArmedFault {
  readonly kind: 'delay' | 'lost' | 'corrupt';
  readonly opcode: number;
  readonly name: string;
  /** Delay in ms, or commands still to be hit. */
  readonly value: number;
}

const MAX_DELAY_MS = 3_600_000;
const MAX_COUNT = 0x7fff_ffff;

/** FaultInjector: see the module header. */
export class FaultInjector {
  private readonly delays = new Map<number, number>();
  private readonly lost = new Map<number, number>();
  private readonly corrupt = new Map<number, number>();
  private anyArmed = false;

  constructor(private readonly engine: FirmwareEngine) {}

  /** delay: add `ms` to every command of `opcode`; 0 removes the delay. */
  delay(opcode: OpcodeRef, ms: number): void {
    const op = resolveOpcode(opcode);
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > MAX_DELAY_MS) {
      throw new AuxError('EINVAL', `delay must be 0..${MAX_DELAY_MS} ms`);
    }
    if (ms === 0) this.delays.delete(op);
    else this.delays.set(op, ms);
    this.update();
  }

  /** loseCompletions: the next `count` commands of `opcode` never complete. */
  loseCompletions(opcode: OpcodeRef, count = 1): void {
    this.lost.set(resolveOpcode(opcode), checkCount(count));
    this.update();
  }

  /** corruptMailbox: the next `count` commands of `opcode` arrive corrupted (see the header). */
  corruptMailbox(opcode: OpcodeRef, count = 1): void {
    this.corrupt.set(resolveOpcode(opcode), checkCount(count));
    this.update();
  }

  /** fatal: firmware asserts with health syndrome `synd` (+ `extSynd`) and stops answering. */
  fatal(synd: number = HealthSyndrome.FW_INTERNAL_ERR, extSynd = 0): void {
    checkHealthSyndrome(synd, extSynd);
    if (!this.engine.injectFatal) {
      throw new AuxError('EOPNOTSUPP', 'this firmware engine cannot inject a fatal error');
    }
    this.engine.injectFatal(synd, extSynd);
  }

  /** forceStatus: the next `count` commands of `opcode` fail with `status` / `syndrome`. */
  forceStatus(
    opcode: OpcodeRef,
    status: number,
    syndrome: number = Syndrome.FORCED,
    count = 1,
  ): void {
    const op = resolveOpcode(opcode);
    if (!Number.isInteger(status) || status < 1 || status > 0xff) {
      throw new AuxError(
        'EINVAL',
        'a forced command status is 1..255 (see ifc/status.ts CmdStatus)',
      );
    }
    if (!Number.isInteger(syndrome) || syndrome < 0 || syndrome > 0xffff_ffff) {
      throw new AuxError('EINVAL', 'a syndrome is a 32-bit unsigned integer');
    }
    const n = checkCount(count);
    if (!this.engine.forceStatus) {
      throw new AuxError('EOPNOTSUPP', 'this firmware engine cannot force a command status');
    }
    this.engine.forceStatus(op, status, syndrome, n);
  }

  /** clear: disarm every fault (the engine's forced statuses too; a fatal error stays). */
  clear(): void {
    this.delays.clear();
    this.lost.clear();
    this.corrupt.clear();
    this.update();
    this.engine.clearFaults?.();
  }

  /** list: the armed transport faults. */
  list(): ArmedFault[] {
    const out: ArmedFault[] = [];
    const add = (kind: ArmedFault['kind'], m: Map<number, number>) => {
      for (const [opcode, value] of m) out.push({ kind, opcode, name: opcodeName(opcode), value });
    };
    add('delay', this.delays);
    add('lost', this.lost);
    add('corrupt', this.corrupt);
    return out;
  }

  // ---- asked by the device, once per command -------------------------------

  /** armed: true when any transport fault is armed (the device's fast path skips the rest). */
  get armed(): boolean {
    return this.anyArmed;
  }

  /** delayMs: the extra latency of `opcode` (0 when none). */
  delayMs(opcode: number): number {
    return this.delays.get(opcode) ?? 0;
  }

  /** takeLost: true (and one fewer armed) when this command of `opcode` is to be lost. */
  takeLost(opcode: number): boolean {
    const hit = take(this.lost, opcode);
    if (hit) this.update();
    return hit;
  }

  /** takeCorrupt: true (and one fewer armed) when this command's inbox is to be corrupted. */
  takeCorrupt(opcode: number): boolean {
    const hit = take(this.corrupt, opcode);
    if (hit) this.update();
    return hit;
  }

  private update(): void {
    this.anyArmed = this.delays.size + this.lost.size + this.corrupt.size > 0;
  }
}

function take(m: Map<number, number>, opcode: number): boolean {
  const n = m.get(opcode);
  if (n === undefined) return false;
  if (n <= 1) m.delete(opcode);
  else m.set(opcode, n - 1);
  return true;
}

function resolveOpcode(ref: OpcodeRef): number {
  if (typeof ref === 'string') {
    const op = Object.hasOwn(Op, ref) ? (Op as Record<string, number>)[ref] : undefined;
    if (op === undefined) {
      throw new AuxError(
        'EINVAL',
        `unknown opcode name ${ref}; use a name from ifc/opcodes.ts or a number`,
      );
    }
    return op;
  }
  if (!Number.isInteger(ref) || ref < 0 || ref > 0xffff) {
    throw new AuxError('EINVAL', 'an opcode is a 16-bit unsigned integer');
  }
  return ref;
}

function checkCount(count: number): number {
  if (count === Number.POSITIVE_INFINITY) return count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new AuxError(
      'EINVAL',
      `count must be an integer in 1..${MAX_COUNT}, or Infinity (until cleared)`,
    );
  }
  return count;
}
