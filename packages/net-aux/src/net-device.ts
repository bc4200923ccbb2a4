/**
 * NetDevice: a network interface on one `mlx5_core.eth` aux device (the
 * mlx5e netdev's role), reaching the device only through the CoreHandle
 * its aux device lends.
 *
 * LIFESPAN
 *   1. `NetDevice.create(h, opts)` (the driver's probe): reads the vport's
 *      permanent address (QUERY_NIC_VPORT_CONTEXT; a function without one
 *      gets a locally administered address derived from its identity) and
 *      the port's MTU range (PMTU). The interface starts stopped.
 *   2. `open()`: a channel (CQs, TIS, SQ, RQ, TIR, buffers; see
 *      net-channel.ts), the port administratively up (PAOS), the link state
 *      from QUERY_VPORT_STATE and then from port-change events.
 *      `stop()`: the channel destroyed, the port administratively down.
 *   3. `suspend()` / `resume()` around the core's reload: the channel is
 *      destroyed before the firmware goes down and rebuilt after it is back;
 *      the configuration (name, MAC, MTU, open or stopped) is the netdev's
 *      and is programmed again on resume.
 *   4. `detach()` (the driver's remove): the channel destroyed while the
 *      core still answers; from then on calls fail with ENODEV.
 * Configuration calls run one at a time; `xmit` never waits for them.
 *
 * DROPS
 * `xmit` returns false and counts the frame when it cannot be posted: link
 * down, stopped or parked (tx_carrier_dropped) or the TX ring full
 * (tx_queue_dropped). A frame that is not a frame (size outside ETH_HLEN ..
 * MTU + 18) is refused with EINVAL and counted nowhere.
 *
 * Owns: its configuration, its channel and the frame subscribers. Never:
 * the core device or the aux device's binding.
 */

import {
  type CoreEvent,
  type CoreHandle,
  EventChannel,
  type Logger,
  modifyNicVportContext,
  queryNicVportContext,
  queryVportCounters,
  queryVportState,
  readPmtu,
  readPortCounters,
  writePaos,
  writePmtu,
} from '@auxctl/core';
import { AuxError, PpcntGroup } from '@auxctl/prm';
import { checkFrame, checkMtu, hwToSwMtu, maxFrameBytes, swToHwMtu } from './frame-check.js';
import { checkUnicastMac, formatMac, identityMac, isZeroMac } from './mac-address.js';
import { NetChannel } from './net-channel.js';
import { composeStats, type NetStats, newSwCounters } from './net-stats.js';

/** NetEvent: what a netdev announces on `events`. */
export type NetEvent =
  | { readonly type: 'link'; readonly device: string; readonly up: boolean }
  | { readonly type: 'mtu'; readonly device: string; readonly mtu: number };

/** NetDeviceOptions: how the driver builds a netdev. */
export interface NetDeviceOptions {
  readonly name: string;
  readonly log: Logger;
  /** log2 of TX / RX ring entries; default 8 (256) each. */
  readonly logSqSize?: number;
  readonly logRqSize?: number;
  /** The physical port (1-based); default 1. */
  readonly port?: number;
}

/** NetDeviceInfo: a snapshot for listings. */
export interface NetDeviceInfo {
  readonly name: string;
  readonly auxDevice: string;
  readonly mac: string;
  readonly mtu: number;
  readonly up: boolean;
  readonly linkUp: boolean;
}

type FrameStream = AsyncIterableIterator<Buffer> & { readonly dropped: number };

/** NetDevice: see the module header. */
export class NetDevice {
  /** events: `link` and `mtu` changes. */
  readonly events = new EventChannel<NetEvent>();
  private readonly rx = new EventChannel<Buffer>((err) =>
    this.o.log.warn({ err }, 'a frame subscriber threw; the others still got the frame'),
  );
  private readonly streams = new Set<FrameStream>();
  private readonly sw = newSwCounters();
  private readonly port: number;
  private channel: NetChannel | undefined;
  private adminUp = false;
  /** portDownSet: stop() took the port down; resume does it again. */
  private portDownSet = false;
  private portUp = false;
  private link = false;
  private suspended = false;
  private detached = false;
  private chain: Promise<unknown> = Promise.resolve();
  private unsubscribe: () => void = () => {};

  private constructor(
    private readonly h: CoreHandle,
    private readonly o: NetDeviceOptions,
    private macAddr: Buffer,
    private mtuValue: number,
    private maxMtuValue: number,
  ) {
    this.port = o.port ?? 1;
  }

  /** create: see LIFESPAN 1. Leaves nothing behind on failure (it creates no objects). */
  static async create(h: CoreHandle, o: NetDeviceOptions): Promise<NetDevice> {
    const ctx = await queryNicVportContext(h);
    let mac = ctx.mac;
    if (isZeroMac(mac)) {
      mac = identityMac(h.identity);
      await modifyNicVportContext(h, { mac });
    }
    const pmtu = await readPmtu(h, o.port ?? 1);
    const dev = new NetDevice(h, o, mac, hwToSwMtu(pmtu.admin), hwToSwMtu(pmtu.max));
    dev.unsubscribe = h.subscribe((e) => dev.onCoreEvent(e));
    return dev;
  }

  /** name: the interface name. */
  get name(): string {
    return this.o.name;
  }

  /** auxDevice: the aux device the netdev is bound to. */
  get auxDevice(): string {
    return this.h.auxDevice;
  }

  /** mac: the interface address (a copy). */
  get mac(): Buffer {
    return Buffer.from(this.macAddr);
  }

  /** mtu / maxMtu: the software MTU and its upper bound (the port's max PMTU - 22). */
  get mtu(): number {
    return this.mtuValue;
  }

  get maxMtu(): number {
    return this.maxMtuValue;
  }

  /** isOpen: administratively up (open() called, stop() not). */
  get isOpen(): boolean {
    return this.adminUp;
  }

  /** linkUp: open, running and the vport's link up (carrier). */
  get linkUp(): boolean {
    return this.link;
  }

  /** active: false once the device was removed. */
  get active(): boolean {
    return !this.detached;
  }

  /** info: a snapshot for listings. */
  info(): NetDeviceInfo {
    return {
      name: this.name,
      auxDevice: this.auxDevice,
      mac: formatMac(this.macAddr),
      mtu: this.mtuValue,
      up: this.adminUp,
      linkUp: this.link,
    };
  }

  /** open: bring the interface up (LIFESPAN 2); idempotent. */
  open(): Promise<void> {
    return this.exclusive(async () => {
      if (this.adminUp) return;
      if (!this.suspended) await this.start();
      this.adminUp = true;
      this.refreshLink();
    });
  }

  /** stop: bring the interface down (LIFESPAN 2); idempotent. */
  stop(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.adminUp) return;
      this.adminUp = false;
      this.refreshLink();
      if (this.suspended) this.portDownSet = true;
      else await this.halt(true);
    });
  }

  /**
   * setMtu: set the MTU (EINVAL outside MIN_MTU..maxMtu, nothing changed).
   * The port's PMTU and the vport's MTU are programmed; an open interface
   * rebuilds its channel so its buffers fit the new frames.
   */
  setMtu(mtu: number): Promise<void> {
    return this.exclusive(async () => {
      checkMtu(mtu, this.maxMtuValue);
      if (mtu === this.mtuValue) return;
      if (!this.suspended) {
        await writePmtu(this.h, this.port, swToHwMtu(mtu));
        await modifyNicVportContext(this.h, { mtu: swToHwMtu(mtu) });
      }
      this.mtuValue = mtu;
      this.o.log.info({ mtu }, 'mtu changed');
      this.events.publish({ type: 'mtu', device: this.name, mtu });
      if (this.channel) {
        await this.dropChannel();
        await this.buildChannel();
      }
    });
  }

  /** setMac: set the interface address (EINVAL unless unicast and non-zero). */
  setMac(mac: Buffer | string): Promise<void> {
    return this.exclusive(async () => {
      const m = checkUnicastMac(mac);
      if (!this.suspended) await modifyNicVportContext(this.h, { mac: m });
      this.macAddr = m;
    });
  }

  /**
   * xmit: put one frame on the wire. True when it was posted; false when it
   * was dropped and counted (see DROPS). EINVAL for a malformed frame,
   * ENODEV after removal.
   */
  xmit(frame: Buffer): boolean {
    if (this.detached) throw this.gone();
    checkFrame(frame, this.mtuValue);
    const ch = this.channel;
    if (!this.link || !ch) {
      this.sw.tx_carrier_dropped++;
      return false;
    }
    if (!ch.xmit(frame)) {
      this.sw.tx_queue_dropped++;
      return false;
    }
    return true;
  }

  /** txRoom: frames the TX ring can take now (0 when not running). */
  get txRoom(): number {
    return this.channel?.txRoom ?? 0;
  }

  /** onFrame: call `fn` with every received frame (a copy it may keep); returns the remover. */
  onFrame(fn: (frame: Buffer) => void): () => void {
    if (this.detached) throw this.gone();
    return this.rx.subscribe(fn);
  }

  /**
   * frames: received frames as an async iterator, at most `limit` buffered
   * for a slow consumer (older ones dropped and counted in `dropped`). It
   * ends when the device is removed.
   */
  frames(limit = 1024): FrameStream {
    if (this.detached) throw this.gone();
    const s = this.rx.stream(limit);
    this.streams.add(s);
    const ret = s.return?.bind(s);
    s.return = (v?: unknown) => {
      this.streams.delete(s);
      return ret ? ret(v) : Promise.resolve({ value: undefined, done: true });
    };
    return s;
  }

  /** stats: ethtool-style counters (net-stats.ts); ENODEV after removal. */
  async stats(): Promise<NetStats> {
    if (this.detached) throw this.gone();
    if (this.suspended) return composeStats(this.sw, undefined);
    const [ieee8023, rfc2863, vport] = await Promise.all([
      readPortCounters(this.h, this.port, PpcntGroup.IEEE_802_3),
      readPortCounters(this.h, this.port, PpcntGroup.RFC_2863),
      queryVportCounters(this.h),
    ]);
    return composeStats(this.sw, { ieee8023, rfc2863, vport });
  }

  /** suspend: park for a reload (LIFESPAN 3). Never throws: a failed destroy releases memory. */
  suspend(): Promise<void> {
    return this.exclusive(async () => {
      if (this.suspended) return;
      this.suspended = true;
      this.refreshLink();
      await this.dropChannel();
    });
  }

  /** resume: program the configuration again and, when open, rebuild the channel. */
  resume(): Promise<void> {
    return this.exclusive(async () => {
      if (!this.suspended) return;
      await modifyNicVportContext(this.h, { mac: this.macAddr, mtu: swToHwMtu(this.mtuValue) });
      await writePmtu(this.h, this.port, swToHwMtu(this.mtuValue));
      this.suspended = false;
      if (this.adminUp) await this.start();
      else if (this.portDownSet) await writePaos(this.h, this.port, 'down');
      this.refreshLink();
    });
  }

  /** detach: the device is going away (LIFESPAN 4); idempotent. */
  detach(): Promise<void> {
    return this.exclusive(async () => {
      if (this.detached) return;
      this.detached = true;
      this.unsubscribe();
      const wasUp = this.adminUp && !this.suspended;
      this.adminUp = false;
      this.refreshLink();
      await this.halt(wasUp);
      for (const s of [...this.streams]) await s.return?.();
    }, true);
  }

  private async start(): Promise<void> {
    await this.buildChannel();
    try {
      await writePaos(this.h, this.port, 'up');
      this.portDownSet = false;
      this.portUp = (await queryVportState(this.h)).state === 'up';
    } catch (err) {
      await this.dropChannel();
      throw err;
    }
  }

  private async halt(portDown: boolean): Promise<void> {
    await this.dropChannel();
    if (!portDown) return;
    this.portDownSet = true;
    await writePaos(this.h, this.port, 'down').catch((err: unknown) =>
      this.o.log.warn({ err }, 'setting the port down failed'),
    );
  }

  private async buildChannel(): Promise<void> {
    this.channel = await NetChannel.create(this.h, {
      logSqSize: this.o.logSqSize ?? 8,
      logRqSize: this.o.logRqSize ?? 8,
      slotBytes: Math.ceil(maxFrameBytes(this.mtuValue) / 64) * 64,
      port: this.port,
      counters: this.sw,
      onFrame: (f) => this.rx.publish(f),
      log: this.o.log,
    });
  }

  private async dropChannel(): Promise<void> {
    const ch = this.channel;
    this.channel = undefined;
    await ch?.destroy();
  }

  private onCoreEvent(e: CoreEvent): void {
    if (e.type !== 'port' || e.port !== this.port) return;
    this.portUp = e.state === 'up';
    this.refreshLink();
  }

  private refreshLink(): void {
    const up = this.adminUp && !this.suspended && !this.detached && this.portUp;
    if (up === this.link) return;
    this.link = up;
    this.o.log.info({ up }, up ? 'link up' : 'link down');
    this.events.publish({ type: 'link', device: this.name, up });
  }

  /** exclusive: run `fn` after every earlier configuration call; ENODEV once removed (detach excepted). */
  private exclusive<T>(fn: () => Promise<T>, whenDetached = false): Promise<T> {
    const run = this.chain.then(() => {
      if (this.detached && !whenDetached) throw this.gone();
      return fn();
    });
    this.chain = run.catch(() => {});
    return run;
  }

  private gone(): AuxError {
    return new AuxError('ENODEV', `${this.name} was removed; wait for the device to come back`);
  }
}
