/**
 * CompletionWriter: the device's side of completion and event queues:
 * writing CQEs and EQEs into host rings with the owner bit of the current
 * pass, honouring CQ and EQ arming, and raising interrupts.
 *
 * Rules (as the hardware keeps them):
 * - a CQE or EQE is written only when its ring has room: the producer may
 *   run at most `entries` ahead of the consumer index software published
 *   (CQ: doorbell record dword 0; EQ: the last EQ doorbell). A full ring
 *   drops the entry and counts an overrun;
 * - `op_own` / `owner` is written last: its owner bit is
 *   `(producer >> log_size) & 1` (prm's `cqeOwner`, the rule the driver
 *   reads by), so software sees a whole entry or none;
 * - a CQE raises a completion EQE on the CQ's EQ only when the CQ is armed
 *   (and disarms it); an EQE raises an interrupt only when the EQ is armed;
 * - interrupts are coalesced per EQ and delivered on a microtask, after the
 *   batch that produced them, never re-entrantly.
 * Nothing is written while firmware is halted.
 *
 * Owns: producer counters and arming. Never: decides what completes.
 */
import {
  CQE_BYTES,
  Cqe64,
  CqeOpcode,
  cqeOwner,
  type DmaSpace,
  EQE_BYTES,
  Eqe,
  EqeObjChange,
  ErrCqe,
  type EventInterrupt,
  EventType,
} from '@auxctl/prm';
import type { Logger } from '../log.js';
import type { ObjectTable } from '../object-table.js';
import type { DirtyLog } from './dirty-log.js';
import type { CqData, EqData } from './queue-data.js';
import { DBR_BYTES, resolveRing } from './ring-memory.js';

/** Completion: one CQE to write. */
export interface Completion {
  readonly opcode: number;
  readonly qpn: number;
  readonly wqeCounter: number;
  readonly byteCnt: number;
  /** Error CQEs (REQ_ERR / RESP_ERR): the syndrome and the failed WQE's opcode. */
  readonly syndrome?: number;
  readonly wqeOpcode?: number;
}

/** EventFields: what an EQE carries besides its type (completion cqn, port, changed object). */
export interface EventFields {
  readonly cqn?: number;
  readonly port?: number;
  readonly obj?: { readonly type: number; readonly id: number };
}

const MASK24 = 0xff_ffff;

/** cqRoom: whether the CQ's producer is less than a ring ahead of the consumer index in `dbr`. */
function cqRoom(d: CqData, dbr: Buffer): boolean {
  return ((d.pi - (dbr.readUInt32BE(0) & MASK24)) & MASK24) < 1 << d.logSize;
}

/** CompletionWriter: see the module header. */
export class CompletionWriter {
  private onIrq: EventInterrupt | undefined;
  private readonly irqs = new Set<number>();
  private irqScheduled = false;

  constructor(
    private readonly dma: DmaSpace,
    private readonly objects: ObjectTable,
    private readonly halted: () => boolean,
    private readonly log: Logger,
    private readonly dirty?: DirtyLog,
  ) {}

  attach(fn: EventInterrupt): void {
    this.onIrq = fn;
  }

  detach(): void {
    this.onIrq = undefined;
    this.irqs.clear();
  }

  /** forget: drop interrupts not yet delivered (reset). */
  forget(): void {
    this.irqs.clear();
  }

  /** complete: write a CQE to `cqn`; false when it could not (no CQ, ring full, halted). */
  complete(cqn: number, c: Completion): boolean {
    if (this.halted()) return false;
    const cq = this.objects.get<CqData>('CQ', cqn);
    if (!cq) return false;
    const d = cq.data;
    const mem = resolveRing(this.dma, d.ring);
    if (!mem) return false;
    if (!cqRoom(d, mem.dbr)) {
      d.overruns++;
      return false;
    }
    const { ring } = mem;
    const entries = 1 << d.logSize;
    const base = (d.pi & (entries - 1)) * CQE_BYTES;
    this.dirty?.note(d.ring.addr + BigInt(base), CQE_BYTES);
    ring.fill(0, base, base + CQE_BYTES);
    if (c.syndrome !== undefined) {
      ErrCqe.set(ring, 'syndrome', c.syndrome, base);
      ErrCqe.set(ring, 's_wqe_opcode_qpn', (((c.wqeOpcode ?? 0) << 24) | c.qpn) >>> 0, base);
      ErrCqe.set(ring, 'wqe_counter', c.wqeCounter & 0xffff, base);
    } else {
      Cqe64.set(ring, 'byte_cnt', c.byteCnt >>> 0, base);
      Cqe64.set(ring, 'sop_drop_qpn', c.qpn & MASK24, base);
      Cqe64.set(ring, 'wqe_counter', c.wqeCounter & 0xffff, base);
    }
    Cqe64.set(ring, 'op_own', (c.opcode << 4) | cqeOwner(d.pi, d.logSize), base);
    d.pi = (d.pi + 1) & MASK24;
    const solicitedOnly = d.arm === 'solicited';
    const error = c.opcode === CqeOpcode.REQ_ERR || c.opcode === CqeOpcode.RESP_ERR;
    if (d.arm === 'next' || (solicitedOnly && error)) {
      d.arm = 'none';
      this.event(d.eqn, EventType.COMP, 0, { cqn });
    }
    return true;
  }

  /** hasRoom: whether CQ `cqn` exists and can take one more CQE now. */
  hasRoom(cqn: number): boolean {
    const cq = this.objects.get<CqData>('CQ', cqn);
    if (!cq) return false;
    const dbr = this.dma.resolve(cq.data.ring.dbr, DBR_BYTES);
    return dbr !== undefined && cqRoom(cq.data, dbr);
  }

  /** armCq: a CQ arm doorbell; CQEs beyond `ci` already present raise the event at once. */
  armCq(cqn: number, ci: number, solicited: boolean): void {
    if (this.halted()) return;
    const cq = this.objects.get<CqData>('CQ', cqn);
    if (!cq) return;
    const d = cq.data;
    cq.context.consumer_counter = ci & MASK24;
    if ((ci & MASK24) !== d.pi && !solicited) {
      d.arm = 'none';
      this.event(d.eqn, EventType.COMP, 0, { cqn });
    } else {
      d.arm = solicited ? 'solicited' : 'next';
    }
  }

  /** updateEq: an EQ doorbell: consumer index, and arming. */
  updateEq(eqn: number, ci: number, arm: boolean): void {
    if (this.halted()) return;
    const eq = this.objects.get<EqData>('EQ', eqn);
    if (!eq) return;
    const d = eq.data;
    d.ci = ci & MASK24;
    if (!arm) return;
    if (d.ci !== d.pi) this.interrupt(eqn);
    else d.armed = true;
  }

  /** event: write an EQE of `type` to EQ `eqn`. */
  event(eqn: number, type: number, subType: number, f: EventFields): void {
    if (this.halted()) return;
    const eq = this.objects.get<EqData>('EQ', eqn);
    if (!eq) return;
    const d = eq.data;
    const ring = this.dma.resolve(d.ring.addr, d.ring.bytes);
    if (!ring) return;
    const entries = 1 << d.logSize;
    if (((d.pi - d.ci) & MASK24) >= entries) {
      d.overruns++;
      this.log.warn({ eqn, type }, 'event queue overrun; event dropped');
      return;
    }
    const base = (d.pi & (entries - 1)) * EQE_BYTES;
    this.dirty?.note(d.ring.addr + BigInt(base), EQE_BYTES);
    ring.fill(0, base, base + EQE_BYTES);
    Eqe.set(ring, 'type', type, base);
    Eqe.set(ring, 'sub_type', subType, base);
    if (f.cqn !== undefined) Eqe.set(ring, 'cqn', f.cqn & MASK24, base);
    if (f.port !== undefined) Eqe.set(ring, 'port', (f.port & 0xf) << 4, base);
    if (f.obj !== undefined) {
      EqeObjChange.set(ring, 'obj_type', f.obj.type, base);
      EqeObjChange.set(ring, 'obj_id', f.obj.id >>> 0, base);
    }
    Eqe.set(ring, 'owner', (d.pi >>> d.logSize) & 1, base);
    d.pi = (d.pi + 1) & MASK24;
    if (d.armed) {
      d.armed = false;
      this.interrupt(eqn);
    }
  }

  /** asyncEvent: an EQE to every EQ whose event bitmask takes `type`. */
  asyncEvent(type: number, subType: number, f: Omit<EventFields, 'cqn'>): void {
    const bit = 1n << BigInt(type);
    for (const eq of this.objects.objects<EqData>('EQ')) {
      if ((eq.data.bitmask & bit) !== 0n) this.event(eq.id, type, subType, f);
    }
  }

  private interrupt(eqn: number): void {
    this.irqs.add(eqn);
    if (this.irqScheduled) return;
    this.irqScheduled = true;
    queueMicrotask(() => {
      this.irqScheduled = false;
      const due = [...this.irqs];
      this.irqs.clear();
      for (const n of due) {
        try {
          this.onIrq?.(n);
        } catch (err) {
          this.log.error({ err, eqn: n }, 'interrupt handler threw');
        }
      }
    });
  }
}
