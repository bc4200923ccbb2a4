/**
 * ControlVq: mlx5_vdpa's control virtqueue, which the hardware does not
 * run: the driver serves it in software (the kernel does it with vringh
 * on a workqueue). A kick schedules a pass; each command chain is
 * `class, command, data...` readable, then one writable ack byte.
 *
 *   MAC  / MAC_ADDR_SET (6 bytes)   the function's vport MAC is changed
 *                                   (steering follows it), then the config
 *   MQ   / VQ_PAIRS_SET (u16 LE)    1..max pairs, else ERR
 *   VLAN / ADD, DEL (u16 LE)        the VLAN id is recorded; ids > 4095 ERR
 *   anything else                   ERR
 *
 * A malformed chain is the driver's bug: the device reports NEEDS_RESET
 * through `onFault` and stops serving the queue until reset.
 *
 * Owns: the command semantics. Never: the ring (a DeviceVirtqueue) or the
 * device status.
 */
import { isAuxError, VirtioNetCtrl } from '@auxctl/prm';
import type { DeviceVirtqueue } from '@auxctl/vdpa';

/** ControlVqHooks: what commands change, through the device. */
export interface ControlVqHooks {
  readonly maxVqPairs: number;
  readonly setMac: (mac: Buffer) => Promise<void>;
  readonly setPairs: (n: number) => void;
  readonly onFault: (why: string) => void;
  readonly eventIdx: () => boolean;
}

const VLAN_ADD = 0;
const VLAN_DEL = 1;

/** ControlVq: see the module header. */
export class ControlVq {
  readonly vlans = new Set<number>();
  /** Commands served, for vendor stats. */
  commands = 0;
  private scheduled = false;
  private paused = false;

  constructor(
    /** The control queue's ring record; undefined while CTRL_VQ is not negotiated. */
    private readonly ring: () => DeviceVirtqueue | undefined,
    private readonly hooks: ControlVqHooks,
    private readonly serialize: (fn: () => Promise<void>) => Promise<void>,
  ) {}

  /** pause / resume: stop serving while the device is suspended or its firmware reloads. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  /** kick: schedule a pass over the queue. */
  kick(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.serialize(() => this.serve());
    });
  }

  /** reset: forget VLANs (the ring itself is reset with the device's queues). */
  reset(): void {
    this.vlans.clear();
    this.paused = false;
  }

  private async serve(): Promise<void> {
    const vq = this.ring();
    if (this.paused || !vq || !vq.ready || vq.num === 0) return;
    const old = vq.usedIdx;
    try {
      for (let c = vq.pop(); c; c = vq.pop()) {
        const cmd = Buffer.concat(c.readable);
        const ack = c.writable[0];
        const status = await this.command(cmd[0] ?? 0xff, cmd[1] ?? 0xff, cmd.subarray(2));
        if (ack && ack.length > 0) ack[0] = status;
        vq.push(c.head, ack ? 1 : 0);
        this.commands++;
      }
      vq.notify(old, this.hooks.eventIdx());
    } catch (err) {
      if (!isAuxError(err, 'EFAULT')) throw err;
      vq.ready = false;
      this.hooks.onFault(err.message);
    }
  }

  private async command(cls: number, cmd: number, data: Buffer): Promise<number> {
    const C = VirtioNetCtrl;
    if (cls === C.CLASS_MAC && cmd === C.CMD_MAC_ADDR_SET && data.length === 6) {
      try {
        await this.hooks.setMac(Buffer.from(data));
        return C.OK;
      } catch {
        return C.ERR;
      }
    }
    if (cls === C.CLASS_MQ && cmd === C.CMD_MQ_VQ_PAIRS_SET && data.length === 2) {
      const n = data.readUInt16LE(0);
      if (n < 1 || n > this.hooks.maxVqPairs) return C.ERR;
      this.hooks.setPairs(n);
      return C.OK;
    }
    if (cls === C.CLASS_VLAN && (cmd === VLAN_ADD || cmd === VLAN_DEL) && data.length === 2) {
      const id = data.readUInt16LE(0);
      if (id > 4095) return C.ERR;
      if (cmd === VLAN_ADD) this.vlans.add(id);
      else this.vlans.delete(id);
      return C.OK;
    }
    return C.ERR;
  }
}
