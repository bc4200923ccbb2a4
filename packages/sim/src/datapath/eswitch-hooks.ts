/**
 * EswitchHooks: what a function's data path asks of the embedded switch it
 * is a member of (see embedded-switch.ts). A data path without one
 * sends every frame to its port's wire, as before sub-functions existed.
 *
 * Owns: nothing. Never: frames beyond the call.
 */
import type { Datapath } from './datapath.js';

/** EswitchHooks: see the module header. */
export interface EswitchHooks {
  /**
   * transmit: `from` sends `frame` out of port `port`. Delivers it to every
   * other function on that port it is addressed to; true when that consumed
   * it (a unicast to a local MAC), false when it must also go to the wire.
   */
  transmit(from: Datapath, port: number, frame: Buffer): boolean;
  /** ingress: a frame from the physical wire; true when it went to a hosted function only. */
  ingress(port: number, frame: Buffer, intact: boolean): boolean;
  /** portChanged: the physical port's link flipped; members recompute theirs. */
  portChanged(port: number): void;
}
