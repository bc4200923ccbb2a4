/**
 * Datapath: the simulated device's data path: doorbells, the Ethernet send
 * and receive paths, ports, and (through RcTransport) RC queue pairs.
 *
 * DOORBELLS AND BATCHES
 * A send doorbell (`sq` / `qp`) only marks the queue; all marked queues are
 * processed together on the next `setImmediate` of this device, so a burst
 * of posts costs one pass, not one timer per WQE. A pass reads the
 * producer counter from the queue's doorbell record and executes every
 * WQE up to it. A device reset or a fatal error makes pending passes
 * vanish: nothing in flight completes afterwards.
 *
 * Ethernet frames are EthTransport's (eth-transport.ts), RC queue pairs
 * RcTransport's (rc-transport.ts), virtqueues VirtqTransport's
 * (virtq-transport.ts; a `virtq` doorbell names a queue_index, as the
 * doorbell mlx5_vdpa writes carries the queue's index).
 *
 * SUSPEND_VHCA / RESUME_VHCA act through `quiesce` (quiesce.ts): a held
 * doorbell or frame waits there; a batch scheduled before an initiator
 * suspension stays pending until resume.
 *
 * Owns: ports, the vport, pending doorbells. Never: object lifetimes (the
 * object table) or frame transport between devices (SimWire).
 */
import {
  type DmaSpace,
  type Doorbell,
  type EventInterrupt,
  EventType,
  PortChangeSubtype,
} from '@auxctl/prm';
import type { Logger } from '../log.js';
import type { ObjectTable } from '../object-table.js';
import { CompletionWriter } from './completion-writer.js';
import type { DirtyLog } from './dirty-log.js';
import type { EswitchHooks } from './eswitch-hooks.js';
import { EthTransport } from './eth-transport.js';
import { NicVport } from './nic-vport.js';
import { Quiesce, type QuiesceState } from './quiesce.js';
import { RcTransport } from './rc-transport.js';
import { type PortEndpoint, SimPort } from './sim-port.js';
import { VirtqTransport } from './virtq-transport.js';

/** DatapathHost: what the data path needs of its firmware. */
export interface DatapathHost {
  readonly dma: DmaSpace;
  readonly objects: ObjectTable;
  readonly log: Logger;
  readonly ports: number;
  /** dirty: where this function's device writes are logged (dirty-log.ts). */
  readonly dirty: DirtyLog;
  halted(): boolean;
  portCounters(port: number): Map<string, bigint> | undefined;
}

/** Datapath: see the module header. */
export class Datapath implements PortEndpoint {
  readonly ports: readonly SimPort[];
  readonly vport = new NicVport();
  readonly cqes: CompletionWriter;
  readonly rc: RcTransport;
  readonly eth: EthTransport;
  readonly virtq: VirtqTransport;
  /** quiesce: SUSPEND_VHCA / RESUME_VHCA state and what it holds. */
  readonly quiesce = new Quiesce();
  /** eswitch: the embedded switch this function is a member of (PFs hosting SFs, and SFs). */
  eswitch: EswitchHooks | undefined;
  private pendingSq = new Set<number>();
  private pendingQp = new Set<number>();
  private pendingVirtq = new Set<number>();
  private scheduled = false;
  private gen = 0;

  constructor(readonly host: DatapathHost) {
    this.ports = Array.from({ length: host.ports }, (_, i) => new SimPort(i + 1, this));
    // A stopped function writes no completion and raises no event.
    this.cqes = new CompletionWriter(
      host.dma,
      host.objects,
      () => host.halted() || this.quiesce.stopped,
      host.log,
      host.dirty,
    );
    this.rc = new RcTransport(this);
    this.eth = new EthTransport(this);
    this.virtq = new VirtqTransport(this);
  }

  get alive(): boolean {
    return !this.host.halted();
  }

  /** port: port `n` (1-based), or undefined. */
  port(n: number): SimPort | undefined {
    return Number.isInteger(n) && n >= 1 ? this.ports[n - 1] : undefined;
  }

  attachEvents(fn: EventInterrupt): void {
    this.cqes.attach(fn);
  }

  detachEvents(): void {
    this.cqes.detach();
  }

  /** ringDoorbell: see the module header; unknown queues are ignored, as hardware does. */
  ringDoorbell(db: Doorbell): void {
    if (this.host.halted() || this.quiesce.holdDoorbell(db)) return;
    switch (db.type) {
      case 'sq':
        this.pendingSq.add(db.num);
        this.schedule();
        return;
      case 'qp':
        this.pendingQp.add(db.num);
        this.schedule();
        return;
      case 'virtq':
        this.kickVirtq(db.num);
        return;
      case 'cq':
        this.cqes.armCq(db.num, db.ci, db.solicited ?? false);
        return;
      case 'eq':
        this.cqes.updateEq(db.num, db.ci, db.arm);
        return;
    }
  }

  /** kickVirtq: mark the VIRTIO_NET_Q of `queueIndex` for the next pass (a kick, or a queue going RDY). */
  kickVirtq(queueIndex: number): void {
    if (this.host.halted()) return;
    this.pendingVirtq.add(queueIndex);
    this.schedule();
  }

  /**
   * setQuiesce: SUSPEND / RESUME moved the function to `next` (the command
   * checked the order): what the new state lets run, runs now.
   */
  setQuiesce(next: QuiesceState): void {
    const { frames, doorbells } = this.quiesce.release(next);
    for (const f of frames) this.eth.receive(f.port, f.frame, f.intact);
    for (const db of doorbells) this.ringDoorbell(db);
    const pending = this.pendingSq.size + this.pendingQp.size + this.pendingVirtq.size;
    if (!this.quiesce.initiatorStopped && pending > 0) this.schedule();
  }

  /** pendingWork: queues marked by doorbells and not yet processed (a state image carries them). */
  pendingWork(): { sq: number[]; qp: number[]; virtq: number[] } {
    return { sq: [...this.pendingSq], qp: [...this.pendingQp], virtq: [...this.pendingVirtq] };
  }

  /** restorePending: mark queues from a state image (processed when the function resumes). */
  restorePending(w: {
    sq: readonly number[];
    qp: readonly number[];
    virtq: readonly number[];
  }): void {
    this.pendingSq = new Set(w.sq);
    this.pendingQp = new Set(w.qp);
    this.pendingVirtq = new Set(w.virtq);
  }

  /** setAdmin: PAOS admin status of `port`; the link at both ends follows. */
  setAdmin(port: SimPort, up: boolean): void {
    port.adminUp = up;
    this.refreshLink(port);
  }

  /** refreshPort: recompute port `n`'s operational status; a flip raises PORT_CHANGE. */
  refreshPort(n: number): void {
    const port = this.port(n);
    if (!port) return;
    const up = port.linkUp();
    if (up === port.operUp) return;
    port.operUp = up;
    const sub = up ? PortChangeSubtype.ACTIVE : PortChangeSubtype.DOWN;
    this.cqes.asyncEvent(EventType.PORT_CHANGE, sub, { port: n });
    this.eswitch?.portChanged(n);
  }

  /** reset: function-level reset: pending work vanishes, ports and vport return to defaults. */
  reset(): void {
    this.gen++;
    this.scheduled = false;
    this.pendingSq.clear();
    this.pendingQp.clear();
    this.pendingVirtq.clear();
    this.quiesce.reset();
    this.cqes.forget();
    this.vport.reset();
    for (const p of this.ports) p.reset();
    this.refreshLinks();
  }

  /** refreshLinks: recompute every port's link and the link of the port at its other end. */
  refreshLinks(): void {
    for (const p of this.ports) this.refreshLink(p);
  }

  /** counters: the PPCNT store of port `n`. */
  counters(n: number): Map<string, bigint> | undefined {
    return this.host.portCounters(n);
  }

  /** receive: a frame arrived on port `n` (PortEndpoint; see eth-transport.ts). */
  receive(n: number, frame: Buffer, intact: boolean): void {
    if (this.eswitch?.ingress(n, frame, intact)) return;
    this.eth.receive(n, frame, intact);
  }

  /** refreshLink: recompute `port`'s link and the link of the port at its other end. */
  private refreshLink(port: SimPort): void {
    this.refreshPort(port.num);
    const peer = port.wire?.peer().port;
    if (peer && peer !== port) peer.endpoint.refreshPort(peer.num);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const gen = this.gen;
    setImmediate(() => {
      if (gen !== this.gen) return;
      this.scheduled = false;
      this.runBatch();
    });
  }

  private runBatch(): void {
    // Suspended initiator: the marked queues stay marked until resume.
    if (this.quiesce.initiatorStopped) return;
    const sqs = this.pendingSq;
    const qps = this.pendingQp;
    const vqs = this.pendingVirtq;
    this.pendingSq = new Set();
    this.pendingQp = new Set();
    this.pendingVirtq = new Set();
    if (this.host.halted()) return;
    for (const sqn of sqs) this.eth.processSq(sqn);
    for (const qpn of qps) this.rc.processSend(qpn);
    for (const index of vqs) this.virtq.process(index);
  }
}
