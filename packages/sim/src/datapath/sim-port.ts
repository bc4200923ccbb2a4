/**
 * SimPort: one physical port of a simulated device: administrative status
 * (PAOS), MTU (PMTU), and the wire end it is plugged into.
 *
 * The operational status is derived, never set: a port is up when it is
 * administratively up, plugged into a connected wire, and the port at the
 * other end is administratively up too (a link needs both ends). The data
 * path recomputes it whenever one of those changes and raises a
 * PORT_CHANGE event when it flips.
 *
 * Owns: the port's settings. Never: counters (the firmware's port counter
 * store) or frames (the data path and the wire).
 */

/** WirePeer: what a port reaches through its wire. */
export interface WirePeer {
  /** The port at the other end (may be this port itself: loopback). */
  readonly port: SimPort;
  /** Whether the wire is connected (not pulled). */
  readonly connected: boolean;
  /** Set when the port stands for one in another process (a SocketWire): RC cannot reach it. */
  readonly remote?: true;
}

/** WireAttachment: the wire side a port is plugged into. */
export interface WireAttachment {
  peer(): WirePeer;
  /** transmit: put `frame` on the wire towards the other end. */
  transmit(frame: Buffer): void;
  /** lose: draw whether one RC transmission attempt is lost (seeded). */
  lose(): boolean;
}

/** DEFAULT_MAX_MTU / DEFAULT_MTU: PMTU defaults (hardware MTU of a 1500-byte netdev). */
export const DEFAULT_MAX_MTU = 9216;
export const DEFAULT_MTU = 1522;

/** PortEndpoint: the device behind a port (how a wire reaches its data path). */
export interface PortEndpoint {
  /** receive: a frame arrived from the wire; `intact` false = it was corrupted (FCS error). */
  receive(port: number, frame: Buffer, intact: boolean): void;
  /** refreshPort: recompute the port's operational status. */
  refreshPort(port: number): void;
  /** alive: false while the device cannot answer (fatal error). */
  readonly alive: boolean;
}

/** SimPort: see the module header. */
export class SimPort {
  adminUp = true;
  operUp = false;
  maxMtu = DEFAULT_MAX_MTU;
  adminMtu = DEFAULT_MTU;
  wire: WireAttachment | undefined;

  constructor(
    readonly num: number,
    readonly endpoint: PortEndpoint,
  ) {}

  /** operMtu: the MTU in effect. */
  get operMtu(): number {
    return this.adminMtu;
  }

  /** linkUp: what the operational status should be now. */
  linkUp(): boolean {
    if (!this.adminUp || !this.wire || !this.endpoint.alive) return false;
    const peer = this.wire.peer();
    return peer.connected && peer.port.adminUp && peer.port.endpoint.alive;
  }

  /** reset: firmware defaults (function-level reset); the wire stays plugged. */
  reset(): void {
    this.adminUp = true;
    this.adminMtu = DEFAULT_MTU;
  }
}
