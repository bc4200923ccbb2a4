/**
 * NicVport: the function's NIC vport as firmware keeps it: its MAC
 * (`permanent_address`), MTU, administrative state and traffic counters
 * (QUERY_VPORT_COUNTER), which the data path updates as frames move.
 *
 * Owns: the vport's settings and counters. Never: frames.
 */
import { VportState, type VportTrafficCounter } from '@auxctl/prm';

/** VportCounter: packets and octets of one traffic class. */
export interface VportCounter {
  packets: bigint;
  octets: bigint;
}

/** NicVport: see the module header. */
export class NicVport {
  mac: Buffer = Buffer.alloc(6);
  /** factoryMac: the MAC a reset restores (an SF's `hw_addr`, set by its eswitch manager). */
  factoryMac: Buffer = Buffer.alloc(6);
  mtu = 1500;
  /** MODIFY_VPORT_STATE admin state: DOWN, UP or FOLLOW (the uplink port). */
  adminState: number = VportState.FOLLOW;
  readonly counters = new Map<VportTrafficCounter, VportCounter>();

  /** count: one packet of `octets` bytes in traffic class `name`. */
  count(name: VportTrafficCounter, octets: number): void {
    let c = this.counters.get(name);
    if (!c) {
      c = { packets: 0n, octets: 0n };
      this.counters.set(name, c);
    }
    c.packets++;
    c.octets += BigInt(octets);
  }

  /** accepts: whether a frame to `dst` is for this vport (own MAC, broadcast, multicast; no MAC set = all). */
  accepts(dst: Buffer): boolean {
    if ((dst[0]! & 1) === 1) return true;
    if (isZeroMac(this.mac)) return true;
    return dst.equals(this.mac);
  }

  /** reset: defaults (function-level reset). */
  reset(): void {
    this.mac = Buffer.from(this.factoryMac);
    this.mtu = 1500;
    this.adminState = VportState.FOLLOW;
    this.counters.clear();
  }
}

/** isZeroMac: whether `mac` is all zero (no MAC set). */
export function isZeroMac(mac: Buffer): boolean {
  return mac.every((b) => b === 0);
}

/** frameClass: unicast, broadcast or multicast by destination MAC. */
export function frameClass(frame: Buffer): 'unicast' | 'broadcast' | 'multicast' {
  if (frame.length < 6 || (frame[0]! & 1) === 0) return 'unicast';
  for (let i = 0; i < 6; i++) if (frame[i] !== 0xff) return 'multicast';
  return 'broadcast';
}
