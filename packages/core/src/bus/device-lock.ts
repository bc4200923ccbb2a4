/**
 * DeviceLock: the per-device mutex of the auxiliary bus (the kernel's
 * `device_lock`).
 *
 * Bind, unbind, suspend, resume, shutdown and delete of one device run one
 * at a time, in arrival order; different devices never wait for each other,
 * so a probe may add (and so probe) further devices on the same bus.
 *
 * A driver callback runs while its device is locked. If that callback (or
 * anything it awaits) asks for the same lock again it would wait for
 * itself forever; the lock remembers, per async call chain, which locks the
 * chain holds, and refuses such a request at once with EBUSY instead of
 * hanging. A task the callback started runs in the callback's chain too,
 * but once the callback has returned the lock is no longer held, so that
 * task simply waits its turn.
 *
 * Owns: ordering of operations on one device. Never: decides what an
 * operation does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { AuxError } from '@auxctl/prm';

interface Hold {
  readonly lock: DeviceLock;
  held: boolean;
}

/** Every lock hold of the current async call chain, innermost last. */
const holds = new AsyncLocalStorage<readonly Hold[]>();
/** Holds taken and not yet released, across every chain and lock. */
let live = 0;

// While any AsyncLocalStorage is in use, Node 20 runs a hook on every promise
// the process creates, which costs every async path (the command queue, gRPC
// calls) a measurable share. So the store is used only while some lock is
// held: when the last hold ends it is disabled, and the next run() enables it
// again. A chain that outlives its hold sees no store then, which is what it
// would see anyway: none of its holds is held any more.
function released(): void {
  live--;
  if (live === 0) holds.disable();
}

/** DeviceLock: a FIFO async mutex that detects a chain waiting for itself. */
export class DeviceLock {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly owner: string) {}

  /** heldByCaller: true when the calling async chain holds this lock right now. */
  heldByCaller(): boolean {
    const chain = holds.getStore();
    return chain?.some((h) => h.lock === this && h.held) ?? false;
  }

  /** busy: true while an operation holds or waits for the lock. */
  get busy(): boolean {
    return this.pending > 0;
  }

  /**
   * run: call `fn` with the lock held and release it however `fn` ends.
   * Rejects with EBUSY, without waiting, when the caller already holds the
   * lock (a callback operating on its own device through the bus); nothing
   * needs undoing then.
   */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.heldByCaller()) {
      throw new AuxError(
        'EBUSY',
        `${this.owner}: operation called from a callback of the same device would deadlock; run it after the callback returns`,
      );
    }
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    this.pending++;
    await prev;
    const hold: Hold = { lock: this, held: true };
    const chain = [...(holds.getStore() ?? []), hold];
    live++;
    try {
      return await holds.run(chain, fn);
    } finally {
      hold.held = false;
      released();
      this.pending--;
      release();
    }
  }
}

/**
 * detached: run `fn` outside every lock the calling chain holds, for work
 * nobody in the chain awaits (it may then wait for those locks normally).
 */
export function detached<T>(fn: () => T): T {
  return holds.exit(fn);
}
