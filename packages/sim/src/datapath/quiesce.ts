/**
 * Quiesce: what SUSPEND_VHCA / RESUME_VHCA do to one function's data path.
 *
 * STATES (the order mlx5_vfio_pci drives them; any other order is refused
 * by the command, see commands/vhca-migration.ts)
 *   running      everything runs
 *   initiator    SUSPEND(INITIATOR): the function initiates nothing: send
 *                queues, RC send queues and virtqueues are not processed;
 *                their doorbells (and batches already scheduled) are kept
 *                and run on resume. It still answers: frames arriving for
 *                it are received, CQ / EQ doorbells act.
 *   stopped      SUSPEND(RESPONDER): fully quiesced: no DMA, no
 *                completions, no events. Every doorbell is kept, in order;
 *                frames arriving for it are held in a bounded queue
 *                (HELD_FRAMES_MAX, oldest kept; beyond it the frame is
 *                dropped and counted in `heldDrops`, as a port drops on
 *                overrun) and received, in order, on resume.
 * RESUME(RESPONDER) returns to `initiator` and delivers the held frames
 * and CQ / EQ doorbells; RESUME(INITIATOR) returns to `running` and runs
 * the held send doorbells. Nothing held is lost or run twice.
 *
 * Owns: the state and what is held. Never: processing (the data path
 * replays through its own entry points).
 */
import type { Doorbell } from '@auxctl/prm';

/** QuiesceState: see the module header. */
export type QuiesceState = 'running' | 'initiator' | 'stopped';

/** HELD_FRAMES_MAX: frames a stopped function holds for delivery on resume. */
export const HELD_FRAMES_MAX = 256;

/** HeldFrame: a frame that arrived while the function was stopped. */
export interface HeldFrame {
  readonly port: number;
  readonly frame: Buffer;
  readonly intact: boolean;
}

const SENDS = new Set<Doorbell['type']>(['sq', 'qp', 'virtq']);

/** Quiesce: see the module header. */
export class Quiesce {
  state: QuiesceState = 'running';
  /** Frames dropped because the held queue was full. */
  heldDrops = 0;
  private doorbells: Doorbell[] = [];
  private frames: HeldFrame[] = [];

  /** initiatorStopped: send processing is off (initiator or stopped). */
  get initiatorStopped(): boolean {
    return this.state !== 'running';
  }

  /** stopped: fully quiesced. */
  get stopped(): boolean {
    return this.state === 'stopped';
  }

  /** holdDoorbell: keep `db` for later when the state says so; true when kept. */
  holdDoorbell(db: Doorbell): boolean {
    if (this.state === 'running') return false;
    if (this.state === 'initiator' && !SENDS.has(db.type)) return false;
    this.doorbells.push(db);
    return true;
  }

  /** holdFrame: keep a frame arriving while stopped; true when it was taken (kept or dropped). */
  holdFrame(port: number, frame: Buffer, intact: boolean): boolean {
    if (this.state !== 'stopped') return false;
    if (this.frames.length >= HELD_FRAMES_MAX) this.heldDrops++;
    else this.frames.push({ port, frame: Buffer.from(frame), intact });
    return true;
  }

  /**
   * release: leave the state for `next`; returns the held frames and
   * doorbells the new state lets run, in arrival order (the rest stay held).
   */
  release(next: QuiesceState): { frames: HeldFrame[]; doorbells: Doorbell[] } {
    this.state = next;
    const frames = next === 'stopped' ? [] : this.frames;
    if (next !== 'stopped') this.frames = [];
    const run = this.doorbells.filter((db) => next === 'running' || !SENDS.has(db.type));
    this.doorbells = this.doorbells.filter((db) => !run.includes(db));
    return { frames, doorbells: run };
  }

  /** heldDoorbells / heldFrames: what is held now (state images, tests). */
  get heldDoorbells(): readonly Doorbell[] {
    return this.doorbells;
  }

  get heldFrames(): readonly HeldFrame[] {
    return this.frames;
  }

  /** restore: put back held work from a state image (the function is stopped). */
  restore(doorbells: readonly Doorbell[], frames: readonly HeldFrame[]): void {
    this.doorbells = [...doorbells];
    this.frames = frames.map((f) => ({ ...f, frame: Buffer.from(f.frame) }));
  }

  /** reset: back to running with nothing held (function reset). */
  reset(): void {
    this.state = 'running';
    this.doorbells = [];
    this.frames = [];
    this.heldDrops = 0;
  }
}
