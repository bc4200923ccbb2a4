/**
 * SimWire: a cable between two ports of simulated devices (or one port and
 * itself: loopback).
 *
 * PURPOSE
 * Without a wire a port is down. Plugging one in brings both ports' links
 * up (when both are administratively up, see SimPort) and each device
 * raises a PORT_CHANGE event; `disconnect()` / `connect()` pull and
 * replug the cable, flipping both links and raising events at both ends;
 * `unplug()` removes the wire for good.
 *
 * FRAMES
 * A frame put on the wire is lost with probability `lossRate`, drawn from
 * a PRNG seeded with `seed` (default 1), so a test sees the same losses on
 * every run. A lost frame still arrives, corrupted: the receiver counts it
 * as an FCS error, which keeps `sent = received + dropped` checkable from
 * the two ports' counters alone. With `latencyUs` 0 (default) a frame
 * arrives at once; otherwise frames sent in one event-loop turn travel
 * together on one timer. Frames already on the wire when it is pulled
 * still arrive. RC transport draws from the same PRNG per attempt.
 *
 * USAGE
 *   const wire = new SimWire({ device: simA, port: 1 }, { device: simB, port: 1 }, { lossRate: 0.1, seed: 7 });
 *   wire.disconnect(); wire.connect(); wire.unplug();
 *
 * Owns: the cable's state, its PRNG and frames in flight. Never: counters
 * (each device counts its own).
 */
import { AuxError } from '@auxctl/prm';
import { seededRandom } from './datapath/seeded-random.js';
import type { SimPort, WireAttachment } from './datapath/sim-port.js';
import type { Firmware } from './firmware.js';

/** WireEnd: a device and one of its ports (1-based, default 1). */
export interface WireEnd {
  readonly device: { readonly engine: Firmware } | Firmware;
  readonly port?: number;
}

/** InFlight: frames on the wire towards one port, delivered together by `timer`. */
interface InFlight {
  readonly frames: Array<[Buffer, boolean]>;
  readonly timer: NodeJS.Timeout;
}

/** SimWireOptions: the cable's behaviour. */
export interface SimWireOptions {
  /** Probability 0..1 that a frame (or an RC attempt) is lost; default 0. */
  readonly lossRate?: number;
  /** One-way latency of Ethernet frames in microseconds; default 0. */
  readonly latencyUs?: number;
  /** PRNG seed; default 1. */
  readonly seed?: number;
}

/** SimWireStats: frames the wire carried. */
export interface SimWireStats {
  transmitted: number;
  lost: number;
}

/** SimWire: see the module header. */
export class SimWire {
  private readonly a: SimPort;
  private readonly b: SimPort;
  private readonly lossRate: number;
  private readonly latencyMs: number;
  private readonly random: () => number;
  private isConnected = true;
  private plugged = true;
  /** The batch still taking frames for each port (this turn of the event loop). */
  private readonly open = new Map<SimPort, InFlight>();
  /** Every batch still on the wire (unplug drops them). */
  private readonly inFlight = new Set<InFlight>();
  private readonly count: SimWireStats = { transmitted: 0, lost: 0 };

  /** Throws AuxError EINVAL (bad option or port) or EBUSY (a port already has a wire). */
  constructor(a: WireEnd, b: WireEnd, opts: SimWireOptions = {}) {
    const loss = opts.lossRate ?? 0;
    const latency = opts.latencyUs ?? 0;
    if (!(loss >= 0 && loss <= 1)) throw new AuxError('EINVAL', 'lossRate must be within 0..1');
    if (!(latency >= 0 && Number.isFinite(latency))) {
      throw new AuxError('EINVAL', 'latencyUs must be a finite number >= 0');
    }
    this.lossRate = loss;
    this.latencyMs = latency / 1000;
    this.random = seededRandom(opts.seed ?? 1);
    this.a = endPort(a);
    this.b = endPort(b);
    if (this.a.wire || this.b.wire) {
      throw new AuxError('EBUSY', 'a port already has a wire; unplug it first');
    }
    this.a.wire = this.side(this.b);
    this.b.wire = this.side(this.a);
    this.refresh();
  }

  get connected(): boolean {
    return this.isConnected && this.plugged;
  }

  /** stats: frames carried and lost so far. */
  stats(): SimWireStats {
    return { ...this.count };
  }

  /** disconnect: pull the cable: both links go down (PORT_CHANGE DOWN at both ends). */
  disconnect(): void {
    this.isConnected = false;
    this.refresh();
  }

  /** connect: replug the cable: links come up where both ends are administratively up. */
  connect(): void {
    if (!this.plugged) throw new AuxError('ENODEV', 'the wire was unplugged; make a new one');
    this.isConnected = true;
    this.refresh();
  }

  /** unplug: remove the wire from both ports for good. */
  unplug(): void {
    if (!this.plugged) return;
    this.plugged = false;
    // Frames still travelling are lost with the cable; nothing reaches a port afterwards.
    for (const b of this.inFlight) {
      clearTimeout(b.timer);
      this.count.lost += b.frames.length;
    }
    this.inFlight.clear();
    this.open.clear();
    this.a.wire = undefined;
    this.b.wire = undefined;
    this.refresh();
  }

  private arrive(to: SimPort, b: InFlight): void {
    this.inFlight.delete(b);
    if (this.open.get(to) === b) this.open.delete(to);
    for (const [f, ok] of b.frames) to.endpoint.receive(to.num, f, ok);
  }

  /** side: the attachment of the port whose other end is `other`. */
  private side(other: SimPort): WireAttachment {
    return {
      peer: () => ({ port: other, connected: this.connected }),
      transmit: (frame) => this.carry(other, frame),
      lose: () => this.drawLoss(),
    };
  }

  /** drawLoss: whether one frame or RC attempt is lost (one PRNG draw when the wire is lossy). */
  private drawLoss(): boolean {
    return this.lossRate > 0 && this.random() < this.lossRate;
  }

  private carry(to: SimPort, frame: Buffer): void {
    const lost = this.drawLoss();
    this.count.transmitted++;
    if (lost) this.count.lost++;
    if (this.latencyMs === 0) {
      to.endpoint.receive(to.num, frame, !lost);
      return;
    }
    // Frames sent in one turn of the event loop travel together, on one timer.
    let batch = this.open.get(to);
    if (!batch) {
      const b: InFlight = {
        frames: [],
        timer: setTimeout(() => this.arrive(to, b), this.latencyMs),
      };
      batch = b;
      this.open.set(to, b);
      this.inFlight.add(b);
      setImmediate(() => {
        if (this.open.get(to) === b) this.open.delete(to);
      });
    }
    batch.frames.push([frame, !lost]);
  }

  private refresh(): void {
    this.a.endpoint.refreshPort(this.a.num);
    if (this.b !== this.a) this.b.endpoint.refreshPort(this.b.num);
  }
}

/** endPort: the port a wire end names; EINVAL when the device has no such port. */
export function endPort(end: WireEnd): SimPort {
  const fw = 'engine' in end.device ? end.device.engine : end.device;
  const n = end.port ?? 1;
  const port = fw.datapath.port(n);
  if (!port) throw new AuxError('EINVAL', `the device has no port ${n}`);
  return port;
}
