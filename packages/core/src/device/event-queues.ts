/**
 * EventQueues: the core driver's event queues and completion dispatch
 * (mlx5's `mlx5_eq_table` and per-EQ `mlx5_cq_table`).
 *
 * PURPOSE
 * The core creates one async EQ (port change, CQ error and WQ catastrophic
 * events) and one completion EQ per vector, as mlx5 does, in host memory
 * it maps for the device. Unlike mlx5 it creates them when the first data
 * path user asks (`CoreHandle.openDataPath()`, which the ring classes call)
 * rather than at load, so a function used only for debugging (ctl) keeps
 * exactly the objects and mappings its users made. Drivers put `compEqn(vector)` in
 * their CQs' context and register a completion handler for each CQ
 * (`onCompletion`). When the device raises an EQ's interrupt, the core
 * consumes every new EQE (owner bit of the current pass), calls the
 * handler of a completion EQE's cqn, publishes a port-change EQE as a
 * `port` CoreEvent, calls the handler of an OBJECT_CHANGE EQE's object
 * (a virtqueue gone to ERR: `onObjectChange`), then publishes the new consumer index and re-arms the
 * EQ. A handler that throws is logged; the others still run.
 *
 * LIFESPAN
 *   1. `start()` (first data-path use, device up): EQs created and armed,
 *      interrupts attached; concurrent and later calls share the result.
 *   2. `stop()` before TEARDOWN_HCA: EQs destroyed (best effort), memory
 *      unmapped, interrupts detached.
 *   3. `release()` after a device reset (the EQs died with it): memory
 *      unmapped without commands.
 * A backend without a data path (no ringDoorbell / attachEvents) gets no
 * EQs; `compEqn` then fails with EOPNOTSUPP.
 *
 * Owns: EQ memory, the cqn -> handler table. Never: CQs (the drivers').
 */
import {
  AuxError,
  type DeviceBackend,
  EQE_BYTES,
  Eqe,
  EqeObjChange,
  EventType,
  OBJ_CHANGE_EVENT,
  PortChangeSubtype,
} from '@auxctl/prm';
import type { Logger } from '../log.js';
import type { CommandExecutor } from './firmware-commands.js';
import { createEq, destroyEq } from './queue-commands.js';

/** CompletionHandler: called with the cqn of a CQ that has new CQEs (re-arm it after polling). */
export type CqCompletionHandler = (cqn: number) => void;

/** EventQueuesOptions: how the core sets its EQs up. */
export interface EventQueuesOptions {
  readonly backend: DeviceBackend;
  readonly cmd: CommandExecutor;
  readonly log: Logger;
  readonly onPort: (port: number, state: 'up' | 'down') => void;
  /** Completion vectors (EQs); default 1. */
  readonly vectors?: number;
  /** log2 of EQEs per EQ; default 10. */
  readonly logSize?: number;
}

interface Eq {
  readonly eqn: number;
  readonly buf: Buffer;
  readonly addr: bigint;
  readonly logSize: number;
  ci: number;
}

const ASYNC_EVENTS =
  (1n << BigInt(EventType.PORT_CHANGE)) |
  (1n << BigInt(EventType.CQ_ERROR)) |
  (1n << BigInt(EventType.WQ_CATAS_ERROR)) |
  (1n << BigInt(OBJ_CHANGE_EVENT));

/** ObjectChangeHandler: called when the device reports a general object changed state (e.g. a virtqueue went to ERR). */
export type ObjectChangeHandler = (objType: number, objId: number) => void;

const objKey = (objType: number, objId: number) => `${objType}:${objId >>> 0}`;

/** EventQueues: see the module header. */
export class EventQueues {
  private readonly eqs = new Map<number, Eq>();
  private comp: number[] = [];
  private readonly handlers = new Map<number, CqCompletionHandler>();
  private readonly objHandlers = new Map<string, ObjectChangeHandler>();
  private starting: Promise<void> | undefined;

  constructor(private readonly o: EventQueuesOptions) {}

  /** supported: whether the backend has a data path. */
  get supported(): boolean {
    return (
      typeof this.o.backend.ringDoorbell === 'function' &&
      typeof this.o.backend.attachEvents === 'function'
    );
  }

  /** vectors: completion EQs available (0 before start or without a data path). */
  get vectors(): number {
    return this.comp.length;
  }

  /** started: whether the EQs exist. */
  get started(): boolean {
    return this.comp.length > 0;
  }

  /** start: create the async EQ and the completion EQs once; on failure what was made is released. */
  start(): Promise<void> {
    if (!this.supported) {
      return Promise.reject(
        new AuxError('EOPNOTSUPP', 'the device has no data path (no event queues)'),
      );
    }
    this.starting ??= this.createAll().catch((err: unknown) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async createAll(): Promise<void> {
    this.o.backend.attachEvents!((eqn) => this.interrupt(eqn));
    try {
      await this.create(ASYNC_EVENTS);
      const n = this.o.vectors ?? 1;
      for (let v = 0; v < n; v++) this.comp.push(await this.create(0n));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** stop: destroy the EQs (failures logged) and release their memory. */
  async stop(): Promise<void> {
    for (const eqn of [...this.eqs.keys()].reverse()) {
      try {
        await destroyEq(this.o.cmd, eqn);
      } catch (err) {
        this.o.log.warn({ err, eqn }, 'DESTROY_EQ failed; firmware teardown frees it');
      }
    }
    this.release();
  }

  /** release: forget the EQs without commands (the device was reset) and unmap their memory. */
  release(): void {
    this.starting = undefined;
    this.o.backend.detachEvents?.();
    for (const eq of this.eqs.values()) this.o.backend.dma.unmap(eq.addr);
    this.eqs.clear();
    this.comp = [];
    this.handlers.clear();
    this.objHandlers.clear();
  }

  /** compEqn: the eqn of completion vector `vector` (0-based). */
  compEqn(vector = 0): number {
    if (!this.supported)
      throw new AuxError('EOPNOTSUPP', 'the device has no data path (no event queues)');
    if (!this.started)
      throw new AuxError('ENODEV', 'event queues are not set up; call openDataPath() first');
    const eqn = this.comp[vector];
    if (eqn === undefined) {
      throw new AuxError(
        'EINVAL',
        `completion vector ${vector} does not exist (0..${this.comp.length - 1})`,
      );
    }
    return eqn;
  }

  /** onCompletion: call `fn` for completion events of `cqn`; EEXIST when one is set. Returns the remover. */
  onCompletion(cqn: number, fn: CqCompletionHandler): () => void {
    if (this.handlers.has(cqn))
      throw new AuxError('EEXIST', `CQ ${cqn} already has a completion handler`);
    this.handlers.set(cqn, fn);
    return () => {
      if (this.handlers.get(cqn) === fn) this.handlers.delete(cqn);
    };
  }

  /**
   * onObjectChange: call `fn` for OBJECT_CHANGE events of general object
   * `objId` of `objType`; EEXIST when one is set. Returns the remover.
   */
  onObjectChange(objType: number, objId: number, fn: ObjectChangeHandler): () => void {
    const key = objKey(objType, objId);
    if (this.objHandlers.has(key)) {
      throw new AuxError('EEXIST', `object ${key} already has a change handler`);
    }
    this.objHandlers.set(key, fn);
    return () => {
      if (this.objHandlers.get(key) === fn) this.objHandlers.delete(key);
    };
  }

  private async create(bitmask: bigint): Promise<number> {
    const logSize = this.o.logSize ?? 10;
    const buf = Buffer.alloc((1 << logSize) * EQE_BYTES);
    for (let i = 0; i < 1 << logSize; i++) Eqe.set(buf, 'owner', 1, i * EQE_BYTES);
    const addr = this.o.backend.dma.map(buf);
    let eqn: number;
    try {
      eqn = await createEq(this.o.cmd, {
        logSize,
        pas: this.o.backend.dma.pageAddresses(addr),
        eventBitmask: bitmask,
        intr: this.eqs.size,
      });
    } catch (err) {
      this.o.backend.dma.unmap(addr);
      throw err;
    }
    this.eqs.set(eqn, { eqn, buf, addr, logSize, ci: 0 });
    this.o.backend.ringDoorbell!({ type: 'eq', num: eqn, ci: 0, arm: true });
    return eqn;
  }

  private interrupt(eqn: number): void {
    const eq = this.eqs.get(eqn);
    if (!eq) return;
    const mask = (1 << eq.logSize) - 1;
    for (;;) {
      const base = (eq.ci & mask) * EQE_BYTES;
      if ((Eqe.get(eq.buf, 'owner', base) & 1) !== ((eq.ci >>> eq.logSize) & 1)) break;
      this.dispatch(eq.buf, base);
      eq.ci = (eq.ci + 1) & 0xff_ffff;
    }
    this.o.backend.ringDoorbell?.({ type: 'eq', num: eqn, ci: eq.ci, arm: true });
  }

  private dispatch(buf: Buffer, base: number): void {
    const type = Eqe.get(buf, 'type', base);
    try {
      if (type === EventType.COMP) {
        const cqn = Eqe.get(buf, 'cqn', base) & 0xff_ffff;
        this.handlers.get(cqn)?.(cqn);
      } else if (type === EventType.PORT_CHANGE) {
        const port = Eqe.get(buf, 'port', base) >>> 4;
        const sub = Eqe.get(buf, 'sub_type', base);
        this.o.onPort(port, sub === PortChangeSubtype.ACTIVE ? 'up' : 'down');
      } else if (type === OBJ_CHANGE_EVENT) {
        const objType = EqeObjChange.get(buf, 'obj_type', base);
        const objId = EqeObjChange.get(buf, 'obj_id', base);
        this.objHandlers.get(objKey(objType, objId))?.(objType, objId);
      } else {
        this.o.log.warn({ type, subType: Eqe.get(buf, 'sub_type', base) }, 'unhandled event');
      }
    } catch (err) {
      this.o.log.error({ err, type }, 'event handler threw');
    }
  }
}
