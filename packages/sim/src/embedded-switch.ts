/**
 * EmbeddedSwitch: the e-switch of a PF that hosts sub-functions.
 *
 * Every hosted function (SF) has its own data path with its own ports; an
 * SF's port is wired to the PF's physical port of the same number through
 * an *uplink* (a WireAttachment whose far end is the physical port). So an
 * SF's link is up exactly while the physical port's is, and what it sends
 * to a MAC that is not local goes out on the physical wire.
 *
 * FORWARDING (by destination MAC, per physical port)
 *   unicast to a local function's MAC  delivered to that function only;
 *                                      never reaches the wire (no PPCNT)
 *   broadcast / multicast              a copy to every other local function
 *                                      and out to the wire as well
 *   anything else                      the wire
 * Frames arriving from the physical wire for an SF's MAC go to that SF
 * only; broadcast and multicast to the PF and every SF. A function with no
 * MAC (all zero) is never a unicast target (the PF still accepts all as
 * before). Delivery uses each function's own receive path, so steering,
 * counters and CQEs are the same code for a PF and an SF.
 *
 * Owns: membership and the uplinks. Never: frames beyond one delivery, or
 * a function's queues.
 */
import type { Datapath } from './datapath/datapath.js';
import type { EswitchHooks } from './datapath/eswitch-hooks.js';
import { frameClass, isZeroMac } from './datapath/nic-vport.js';
import type { WireAttachment } from './datapath/sim-port.js';

/** EmbeddedSwitch: see the module header. */
export class EmbeddedSwitch implements EswitchHooks {
  private readonly members = new Set<Datapath>();

  constructor(private readonly pf: Datapath) {
    pf.eswitch = this;
  }

  /** size: hosted functions attached now. */
  get size(): number {
    return this.members.size;
  }

  /** attach: make `sf` a member: its ports get uplinks to the physical ports. */
  attach(sf: Datapath): void {
    this.members.add(sf);
    sf.eswitch = this;
    for (const port of sf.ports) {
      port.wire = this.uplink(port.num);
      sf.refreshPort(port.num);
    }
  }

  /** detach: `sf` leaves; its ports lose their uplinks. */
  detach(sf: Datapath): void {
    if (!this.members.delete(sf)) return;
    sf.eswitch = undefined;
    for (const port of sf.ports) port.wire = undefined;
  }

  transmit(from: Datapath, port: number, frame: Buffer): boolean {
    if (frame.length < 6 || !from.alive) return false;
    if (frameClass(frame) !== 'unicast') {
      // A receiving function neither keeps nor changes the frame: all share one buffer.
      for (const dp of this.functions()) {
        if (dp !== from && dp.alive && dp.port(port)) dp.eth.receive(port, frame, true);
      }
      return false;
    }
    const dp = this.owner(port, frame.subarray(0, 6), from);
    if (!dp) return false;
    if (dp.alive) dp.eth.receive(port, frame, true);
    return true;
  }

  ingress(port: number, frame: Buffer, intact: boolean): boolean {
    if (frame.length < 6 || this.members.size === 0) return false;
    if (frameClass(frame) !== 'unicast') {
      for (const dp of this.members) {
        if (dp.port(port)) dp.eth.receive(port, frame, intact);
      }
      return false;
    }
    const dp = this.owner(port, frame.subarray(0, 6), this.pf);
    if (!dp) return false;
    dp.eth.receive(port, frame, intact);
    return true;
  }

  portChanged(port: number): void {
    for (const dp of this.members) dp.refreshPort(port);
  }

  private *functions(): Iterable<Datapath> {
    yield this.pf;
    yield* this.members;
  }

  /** owner: the function on `port` other than `except` whose MAC is `dst` (never a zero MAC). */
  private owner(port: number, dst: Buffer, except: Datapath): Datapath | undefined {
    if (isZeroMac(dst)) return undefined;
    for (const dp of this.functions()) {
      if (dp !== except && dp.port(port) && dp.vport.mac.equals(dst)) return dp;
    }
    return undefined;
  }

  private uplink(n: number): WireAttachment {
    const phys = () => this.pf.port(n);
    return {
      peer: () => {
        const p = phys()!;
        return { port: p, connected: p.operUp };
      },
      transmit: (frame) => phys()?.wire?.transmit(frame),
      lose: () => phys()?.wire?.lose() ?? false,
    };
  }
}
