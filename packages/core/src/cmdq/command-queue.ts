/**
 * CommandQueue: the driver side of the mlx5 firmware command interface.
 *
 * PURPOSE
 * Every firmware command of a device goes through one queue: a page of 32
 * entries given to the backend (`attachQueue`). Slot 31 is reserved for
 * MANAGE_PAGES, so 31 regular commands may be in flight; more wait in
 * order of arrival. Each command gets a token 1..255; the inbox's first 16
 * bytes travel inline, the rest in signed mailbox blocks from a pool of
 * device-reachable memory. Completions arrive as a slot bit vector.
 *
 * USAGE
 *   const q = new CommandQueue(backend, { logger });
 *   const out = await q.cmdExec(inbox, outLen);   // throws the status's errno
 *   const out2 = await q.cmdDo(inbox, outLen);    // throws EREMOTEIO with the outbox
 *   q.close();
 *
 * RESULTS
 * Delivery status (transport) and command status (firmware) are kept
 * apart. `cmdDo` resolves with the outbox when firmware ran the command
 * with status OK; rejects with EREMOTEIO when it ran and failed (the valid
 * outbox, status and syndrome are in `error.detail`); rejects with another
 * errno when firmware never ran it: a delivery error (EBADR, EFAULT,
 * ENOMSG, EIO, as Linux `deliv_status_to_err`), a corrupt completion
 * (EHWPOISON), ETIMEDOUT, EBUSY (no slot within the timeout), ENODEV
 * (queue closed), EINVAL / EMSGSIZE (bad arguments, nothing queued).
 * `cmdExec` is cmdDo plus the status -> errno map and a rate-limited log
 * line `OPNAME(0xOP) op_mod(0x..) failed, status NAME(0x..), syndrome (0x..)`.
 *
 * TIMEOUTS
 * Each command has a timeout (default 60 s; per queue and per call),
 * counted from the doorbell. A timed-out command fails with ETIMEDOUT and
 * its slot is reclaimed; its mailboxes are quarantined, because firmware
 * may still write them, until the device is reset. A completion that
 * arrives for a reclaimed slot is recognised by its token and ignored. The
 * wait for a slot is bounded by the same timeout (EBUSY), as Linux's
 * `down_timeout`. One unref'd timer, armed for the earliest deadline, does
 * all of it: no timer per command.
 *
 * INTERNAL ERROR
 * `enterInternalError()` (health saw a fatal error): nothing reaches
 * firmware any more; commands in flight, waiting or new complete at once:
 * destroy commands with a zeroed outbox and status OK, all others with
 * status ABORTED (0xfe) and syndrome 0xbadd00de (cmdDo -> EREMOTEIO,
 * cmdExec -> EIO, not logged). `leaveInternalError()` after the device was
 * reset: the queue is re-attached and quarantined mailboxes are reused.
 *
 * LIFESPAN
 *   1. new CommandQueue(backend)   attaches the page to the backend
 *   2. cmdDo / cmdExec ...         any number, concurrently
 *   3. close()                     fails in-flight and waiting commands with
 *                                  ENODEV, detaches, unmaps every mailbox
 *
 * Owns: the queue page, the mailbox pool and its DMA mappings, the pending
 * commands. Never: interprets a command's payload beyond its header.
 */
// The global `Buffer` is a lazy getter; the hot path takes it from the module.
import { Buffer } from 'node:buffer';
import {
  CMD_QUEUE_BYTES,
  CmdHdrIn,
  CommandEntries,
  type DeviceBackend,
  decodeInto,
  encode,
  isAuxError,
  MailboxPool,
  prepare,
} from '@auxctl/prm';
import { type Logger, RateLimitedLog, silentLogger } from '../log.js';
import {
  type CmdOptions,
  Command,
  checkArgs,
  checkTimeout,
  DEFAULT_CMD_TIMEOUT_MS,
} from './command.js';
import {
  closedError,
  cmdLabel,
  corruptCompletionError,
  deliveryError,
  slotWaitError,
  timeoutError,
} from './command-errors.js';
import { CommandOutcome } from './command-outcome.js';
import { type CmdOpStats, CommandStats } from './command-stats.js';
import { DeadlineTimer } from './deadline-timer.js';
import { lowestBit, SlotTable } from './slot-table.js';

export { type CmdOptions, DEFAULT_CMD_TIMEOUT_MS } from './command.js';

const OPCODE = CmdHdrIn.byteOffset('opcode');
const OP_MOD = CmdHdrIn.byteOffset('op_mod');

/** CommandQueueOptions: tuning and seams of a queue. */
export interface CommandQueueOptions {
  readonly logger?: Logger;
  /** Default per-command timeout in ms (60 s). */
  readonly timeoutMs?: number;
  /** Monotonic clock in ms (performance.now); tests may inject one. */
  readonly now?: () => number;
  /** Limits cmdExec failure lines (default 10 per 5 s). */
  readonly failureLog?: RateLimitedLog;
}

/** CommandQueueStats: a snapshot of a queue's state and counters. */
export interface CommandQueueStats {
  /** Regular slots (0..30) in use. */
  readonly slotsInUse: number;
  /** Whether slot 31 (MANAGE_PAGES) is in use. */
  readonly pageSlotInUse: boolean;
  /** Commands waiting for a slot (regular and page). */
  readonly waiters: number;
  readonly timeouts: number;
  /** Completions that arrived for a slot whose command was already gone. */
  readonly lateCompletions: number;
  /** Commands answered by the driver under internal error. */
  readonly aborted: number;
  readonly internalError: boolean;
  readonly closed: boolean;
  readonly mailboxBlocks: number;
  readonly quarantinedMailboxBlocks: number;
  readonly ops: CmdOpStats[];
}

/** CommandQueue: see the module header. */
export class CommandQueue {
  private readonly entries: CommandEntries;
  private readonly pool: MailboxPool;
  private readonly slots = new SlotTable();
  private readonly counters = new CommandStats();
  private readonly timer: DeadlineTimer;
  private readonly outcome: CommandOutcome;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private inInternalError = false;
  private isClosed = false;
  private timeouts = 0;
  private late = 0;

  /** Attaches a fresh queue page to `backend`; throws EINVAL for a bad `timeoutMs`. */
  /** Sign and verify mailbox blocks: what the device's `checksum` says. */
  private readonly checksum: boolean;

  constructor(
    private readonly backend: DeviceBackend,
    options: CommandQueueOptions = {},
  ) {
    this.log = options.logger ?? silentLogger;
    this.now = options.now ?? monotonicClock();
    this.outcome = new CommandOutcome(
      this.counters,
      this.log,
      options.failureLog ?? new RateLimitedLog(),
    );
    this.timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_CMD_TIMEOUT_MS);
    this.timer = new DeadlineTimer(this.now, () => this.sweep());
    this.entries = new CommandEntries(Buffer.alloc(CMD_QUEUE_BYTES));
    this.pool = new MailboxPool(backend.dma);
    this.checksum = backend.checksum === true;
    backend.attachQueue(this.entries.page, this.onCompletion);
  }

  /**
   * cmdDo: run a command; resolves with the `outLen`-byte outbox when
   * firmware answered status OK. Rejects EREMOTEIO (detail: outbox, status,
   * syndrome, opcode, opMod) when firmware failed it, and with another
   * errno when firmware never ran it (see the module header).
   */
  cmdDo(inbox: Buffer, outLen: number, opts?: CmdOptions): Promise<Buffer> {
    return this.submit(inbox, outLen, opts, false);
  }

  /**
   * cmdExec: cmdDo, but a failed command status rejects with its errno
   * (ifc/status.ts statusToErrno; detail as cmdDo's) and is logged
   * (rate-limited) as `OPNAME(0xOP) op_mod(0x..) failed, status NAME(0x..),
   * syndrome (0x..)`.
   */
  cmdExec(inbox: Buffer, outLen: number, opts?: CmdOptions): Promise<Buffer> {
    return this.submit(inbox, outLen, opts, true);
  }

  /** internalError: true between enterInternalError and leaveInternalError. */
  get internalError(): boolean {
    return this.inInternalError;
  }

  /** closed: true after close(). */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * enterInternalError: the device is dead. Every command in flight or
   * waiting completes now with the internal-error answer, and so does
   * every later one until leaveInternalError.
   */
  enterInternalError(): void {
    if (this.isClosed || this.inInternalError) return;
    this.inInternalError = true;
    this.log.warn('command queue in internal error: commands no longer reach firmware');
    for (const cmd of this.slots.holders()) {
      this.slots.release(cmd);
      // Firmware may still write these blocks: keep them out of use until a reset.
      this.pool.quarantine(cmd.inChain);
      this.pool.quarantine(cmd.outChain);
      this.outcome.internalError(cmd);
    }
    for (const cmd of this.slots.drainWaiters()) this.outcome.internalError(cmd);
  }

  /**
   * leaveInternalError: the device was reset and holds no old command;
   * re-attach the queue and reuse quarantined mailboxes. The caller resets
   * the device first. Throws ENODEV after close.
   */
  leaveInternalError(): void {
    if (this.isClosed) throw closedError();
    this.inInternalError = false;
    this.entries.page.fill(0);
    this.pool.releaseQuarantine();
    this.backend.attachQueue(this.entries.page, this.onCompletion);
  }

  /** stats: a snapshot of slots, waiters and per-opcode counters. */
  stats(): CommandQueueStats {
    return {
      slotsInUse: this.slots.regularInUse,
      pageSlotInUse: this.slots.pageInUse,
      waiters: this.slots.waiters,
      timeouts: this.timeouts,
      lateCompletions: this.late,
      aborted: this.outcome.aborted,
      internalError: this.inInternalError,
      closed: this.isClosed,
      mailboxBlocks: this.pool.blocks,
      quarantinedMailboxBlocks: this.pool.quarantinedBlocks,
      ops: this.counters.snapshot(),
    };
  }

  /**
   * close: fail every command in flight or waiting with ENODEV, detach
   * from the backend and unmap every mailbox. Later calls reject ENODEV.
   */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.timer.cancel();
    for (const cmd of this.slots.holders()) {
      this.slots.release(cmd);
      this.outcome.fail(cmd, closedError(cmd.opcode));
    }
    for (const cmd of this.slots.drainWaiters()) this.outcome.fail(cmd, closedError(cmd.opcode));
    try {
      this.backend.detachQueue();
    } catch (err) {
      this.log.debug({ err }, 'detachQueue failed while closing the command queue');
    }
    this.pool.close();
  }

  // ---- submission ----------------------------------------------------------

  private submit(
    inbox: Buffer,
    outLen: number,
    opts: CmdOptions | undefined,
    exec: boolean,
  ): Promise<Buffer> {
    if (this.isClosed) return Promise.reject(closedError());
    const bad = checkArgs(inbox, outLen, opts);
    if (bad) return Promise.reject(bad);
    const opcode = inbox.readUInt16BE(OPCODE);
    const opMod = inbox.readUInt16BE(OP_MOD);
    const cmd = new Command(inbox, outLen, opcode, opMod, exec, opts?.timeoutMs ?? this.timeoutMs);
    const done = new Promise<Buffer>((resolve, reject) => {
      cmd.resolve = resolve;
      cmd.reject = reject;
    });
    if (this.inInternalError) {
      this.outcome.internalError(cmd);
      return done;
    }
    const slot = this.slots.claim(opcode);
    if (slot >= 0) {
      this.start(cmd, slot);
    } else {
      // The caller may reuse its buffer once cmdDo returns: a waiter keeps its own copy.
      cmd.inbox = Buffer.from(inbox);
      cmd.deadline = this.now() + cmd.timeoutMs;
      this.slots.wait(cmd);
      this.timer.arm(cmd.deadline);
    }
    return done;
  }

  private start(cmd: Command, slot: number): void {
    this.slots.occupy(cmd, slot);
    const token = this.slots.nextToken();
    cmd.token = token;
    cmd.inChain = encode(this.pool, cmd.inbox, token, this.checksum);
    cmd.outChain = prepare(this.pool, cmd.outLen, token, this.checksum);
    this.entries.writeRequest(
      slot,
      cmd.inbox,
      cmd.inChain?.addr ?? 0,
      cmd.outLen,
      cmd.outChain?.addr ?? 0,
      token,
    );
    cmd.startedAt = this.now();
    cmd.deadline = cmd.startedAt + cmd.timeoutMs;
    this.timer.arm(cmd.deadline);
    try {
      this.backend.post(slot);
    } catch (err) {
      // The doorbell failed (device gone): the command never reached firmware.
      if (this.slots.at(slot) !== cmd) return;
      this.slots.release(cmd);
      this.giveChains(cmd);
      this.outcome.fail(cmd, isAuxError(err) ? err : closedError(cmd.opcode));
      this.dispatch();
    }
  }

  /** dispatch: give free slots to waiters, oldest first. */
  private dispatch(): void {
    if (this.isClosed || this.inInternalError) return;
    for (let cmd = this.slots.takeWaiter(); cmd; cmd = this.slots.takeWaiter()) {
      this.start(cmd, cmd.slot);
    }
  }

  // ---- completion ----------------------------------------------------------

  private readonly onCompletion = (vector: number): void => {
    if (this.isClosed) return;
    // One clock read per vector: every command in it completed at the same moment.
    const t = this.now();
    let v = vector >>> 0;
    while (v !== 0) {
      const slot = lowestBit(v);
      v &= v - 1;
      this.complete(slot, t);
    }
    this.dispatch();
  };

  private complete(slot: number, t: number): void {
    const cmd = this.slots.at(slot);
    const e = this.entries;
    if (!cmd || e.ownedByHw(slot) || e.token(slot) !== cmd.token) {
      // Firmware answered a command the driver already gave up on (timeout,
      // internal error) or rang for an entry it still owns: nothing to do.
      this.late++;
      this.log.warn(
        { slot },
        `completion for slot ${slot} arrived after its command was reclaimed`,
      );
      return;
    }
    this.slots.release(cmd);
    this.counters.completed(cmd.opcode, t - cmd.startedAt);
    if (!e.intact(slot)) {
      this.giveChains(cmd);
      this.outcome.fail(cmd, corruptCompletionError(cmd.opcode, cmd.opMod, slot, 'queue entry'));
      return;
    }
    const ds = e.deliveryStatus(slot);
    if (ds !== 0) {
      this.giveChains(cmd);
      this.outcome.fail(cmd, deliveryError(cmd.opcode, cmd.opMod, slot, ds));
      return;
    }
    const out = Buffer.allocUnsafe(cmd.outLen);
    e.readInlineOut(slot, out);
    const fault = cmd.outChain
      ? decodeInto(this.pool, cmd.outChain.addr, cmd.outLen, cmd.token, out, 'out', this.checksum)
      : undefined;
    this.giveChains(cmd);
    if (fault) {
      this.outcome.fail(cmd, corruptCompletionError(cmd.opcode, cmd.opMod, slot, 'outbox mailbox'));
      return;
    }
    this.outcome.outbox(cmd, out);
  }

  private giveChains(cmd: Command): void {
    this.pool.give(cmd.inChain);
    this.pool.give(cmd.outChain);
    cmd.inChain = undefined;
    cmd.outChain = undefined;
  }

  // ---- timeouts ------------------------------------------------------------

  /** sweep: fail what is due, re-arm for the next deadline, hand freed slots on. */
  private sweep(): void {
    if (this.isClosed) return;
    const t = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const cmd of this.slots.holders()) {
      if (cmd.deadline <= t) this.expire(cmd);
      else next = Math.min(next, cmd.deadline);
    }
    for (const cmd of this.slots.waiting()) {
      if (cmd.deadline > t) {
        next = Math.min(next, cmd.deadline);
        continue;
      }
      this.slots.discard(cmd);
      this.outcome.fail(cmd, slotWaitError(cmd.opcode, cmd.opMod, cmd.timeoutMs));
    }
    if (next !== Number.POSITIVE_INFINITY) this.timer.arm(next);
    this.dispatch();
  }

  private expire(cmd: Command): void {
    this.slots.release(cmd);
    // Firmware may still write these blocks: keep them out of use until a reset.
    this.pool.quarantine(cmd.inChain);
    this.pool.quarantine(cmd.outChain);
    this.timeouts++;
    this.counters.timedOut(cmd.opcode);
    this.log.warn(
      { opcode: cmd.opcode, opMod: cmd.opMod, slot: cmd.slot, token: cmd.token },
      `${cmdLabel(cmd.opcode)} timeout after ${cmd.timeoutMs} ms, slot ${cmd.slot} reclaimed`,
    );
    this.outcome.fail(cmd, timeoutError(cmd.opcode, cmd.opMod, cmd.slot, cmd.timeoutMs));
  }
}

/**
 * monotonicClock: performance.now without the global getter on every call
 * (it shows in profiles); the object is looked up when the clock is made,
 * so fake timers installed before construction still apply.
 */
function monotonicClock(): () => number {
  const perf = globalThis.performance;
  return () => perf.now();
}
