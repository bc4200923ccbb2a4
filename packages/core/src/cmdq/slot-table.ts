/**
 * SlotTable: which command holds which queue slot, who waits, and tokens.
 *
 * Slots 0..30 take regular commands, lowest free first; slot 31 takes only
 * MANAGE_PAGES (as Linux keeps a page-queue slot so page requests from
 * firmware are never starved by regular commands). Each kind has its own
 * FIFO of waiters; a new command never overtakes a waiter of its kind.
 * Tokens roll 1..255 and skip 0.
 *
 * Owns: slot occupancy, the waiter FIFOs, the token counter. Never: posts
 * or settles a command (the queue does).
 */
import { MAX_REG_CMDS, Op, PAGE_QUEUE_SLOT } from '@auxctl/prm';
import type { Command } from './command.js';
import { CommandFifo } from './command-fifo.js';

const REGULAR_SLOTS = (2 ** MAX_REG_CMDS - 1) >>> 0;

/** SlotTable: see the module header. */
export class SlotTable {
  private readonly inFlight: (Command | undefined)[] = new Array(PAGE_QUEUE_SLOT + 1);
  private readonly regular = new CommandFifo<Command>();
  private readonly pages = new CommandFifo<Command>();
  private free = REGULAR_SLOTS;
  private pageFree = true;
  private lastToken = 0;

  /** claim: the slot a new command of `opcode` may take now, or -1 (it must wait). */
  claim(opcode: number): number {
    if (opcode === Op.MANAGE_PAGES) {
      return this.pageFree && this.pages.size === 0 ? PAGE_QUEUE_SLOT : -1;
    }
    return this.free !== 0 && this.regular.size === 0 ? lowestBit(this.free) : -1;
  }

  /** occupy: `cmd` now holds `slot`. */
  occupy(cmd: Command, slot: number): void {
    if (slot === PAGE_QUEUE_SLOT) this.pageFree = false;
    else this.free &= ~(1 << slot);
    this.inFlight[slot] = cmd;
    cmd.slot = slot;
  }

  /** release: `cmd` gives its slot back. */
  release(cmd: Command): void {
    this.inFlight[cmd.slot] = undefined;
    if (cmd.slot === PAGE_QUEUE_SLOT) this.pageFree = true;
    else this.free |= 1 << cmd.slot;
  }

  /** at: the command holding `slot`, if any. */
  at(slot: number): Command | undefined {
    return this.inFlight[slot];
  }

  /** holders: every command holding a slot (a snapshot). */
  holders(): Command[] {
    return this.inFlight.filter((c): c is Command => c !== undefined);
  }

  /** wait: queue `cmd` behind the commands of its kind. */
  wait(cmd: Command): void {
    (cmd.opcode === Op.MANAGE_PAGES ? this.pages : this.regular).push(cmd);
  }

  /** takeWaiter: the oldest waiter that can have a slot now, with `slot` set; else undefined. */
  takeWaiter(): Command | undefined {
    if (this.free !== 0 && this.regular.size > 0) {
      const cmd = this.regular.shift()!;
      cmd.slot = lowestBit(this.free);
      return cmd;
    }
    if (this.pageFree && this.pages.size > 0) {
      const cmd = this.pages.shift()!;
      cmd.slot = PAGE_QUEUE_SLOT;
      return cmd;
    }
    return undefined;
  }

  /** waiting: every waiter, oldest first per kind (a snapshot). */
  waiting(): Command[] {
    return [...this.regular.waiting(), ...this.pages.waiting()];
  }

  /** discard: `cmd` stops waiting. */
  discard(cmd: Command): void {
    (cmd.opcode === Op.MANAGE_PAGES ? this.pages : this.regular).discard(cmd);
  }

  /** drainWaiters: remove and return every waiter. */
  drainWaiters(): Command[] {
    const all = this.waiting();
    for (const cmd of all) this.discard(cmd);
    return all;
  }

  /** nextToken: 1..255, never 0. */
  nextToken(): number {
    this.lastToken = this.lastToken >= 255 ? 1 : this.lastToken + 1;
    return this.lastToken;
  }

  /** regularInUse / pageInUse / waiters: occupancy for stats. */
  get regularInUse(): number {
    let n = 0;
    for (let v = ~this.free & REGULAR_SLOTS; v !== 0; v &= v - 1) n++;
    return n;
  }

  get pageInUse(): boolean {
    return !this.pageFree;
  }

  get waiters(): number {
    return this.regular.size + this.pages.size;
  }
}

/** lowestBit: index of the lowest set bit of a non-zero 32-bit vector. */
export function lowestBit(v: number): number {
  return 31 - Math.clz32(v & -v);
}
