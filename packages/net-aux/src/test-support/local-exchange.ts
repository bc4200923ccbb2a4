/**
 * expectLocalExchange: a PF's netdev and the netdev of a function it hosts
 * (an SF or a VF) each send the other one unicast frame, and each frame
 * arrives intact — the embedded switch's local path, asserted.
 */
import { ethFrame } from '@auxctl/sim/testing';
import { expect } from 'vitest';
import type { NetDevice } from '../net-device.js';
import { flush } from './net-rig.js';

/** expectLocalExchange: see the module header. */
export async function expectLocalExchange(pfNet: NetDevice, fnNet: NetDevice): Promise<void> {
  const atFn: Buffer[] = [];
  const atPf: Buffer[] = [];
  fnNet.onFrame((f) => atFn.push(Buffer.from(f)));
  pfNet.onFrame((f) => atPf.push(Buffer.from(f)));
  const ping = ethFrame(fnNet.mac, pfNet.mac, 300, 0x5a);
  expect(pfNet.xmit(ping)).toBe(true);
  await flush(8);
  expect(atFn).toHaveLength(1);
  expect(atFn[0]?.equals(ping)).toBe(true);
  const pong = ethFrame(pfNet.mac, fnNet.mac, 900, 0xa5);
  expect(fnNet.xmit(pong)).toBe(true);
  await flush(8);
  expect(atPf.some((f) => f.equals(pong))).toBe(true);
}
