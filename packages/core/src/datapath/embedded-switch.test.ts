import { CqeOpcode, PpcntGroup } from '@auxctl/prm';
import { createSimDevice, SimWire, simIdentity } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreDevice } from '../device/core-device.js';
import type { CoreHandle } from '../device/core-handle.js';
import { modifyNicVportContext, readPortCounters } from '../device/port-commands.js';
import { type SfRig, sfRig } from '../device/test-support/sf-rig.js';
import { channel, flush, frame } from './test-support/data-path-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const PF_MAC = Buffer.from('020000000001', 'hex');
const SF_MAC = Buffer.from('020000000058', 'hex');
const PEER_MAC = Buffer.from('0200000000ee', 'hex');
const BCAST = Buffer.from('ffffffffffff', 'hex');

const ethHandle = (core: CoreDevice): CoreHandle =>
  core.auxDevices().find((d) => d.devName.includes('.eth.'))!.shared;

/** A PF with one SF, and a peer device on the PF's physical wire. */
async function setup() {
  const rig: SfRig = await sfRig({ standIn: false });
  cleanups.push(() => rig.close());
  const peerSim = createSimDevice({ identity: simIdentity(1) });
  const peer = await CoreDevice.probe({
    backend: peerSim,
    bus: rig.bus,
    ids: rig.ids,
    health: { poll: false },
  });
  cleanups.push(async () => {
    await peer.close();
    peerSim.close();
  });
  const wire = new SimWire({ device: rig.sim }, { device: peerSim });
  cleanups.push(() => wire.unplug());
  const pf = rig.core.portFunctions;
  const port = await pf.add({ pfnum: 0, sfnum: 88 });
  await pf.set(port, { hwAddr: SF_MAC });
  const sf = (await pf.activate(port)).nestedCore!;
  const hPf = ethHandle(rig.core);
  const hSf = ethHandle(sf);
  const hPeer = ethHandle(peer);
  await modifyNicVportContext(hPf, { mac: PF_MAC });
  await modifyNicVportContext(hPeer, { mac: PEER_MAC });
  const cPf = await channel(hPf);
  const cSf = await channel(hSf);
  const cPeer = await channel(hPeer);
  cleanups.push(async () => {
    await cSf.close();
    await cPf.close();
    await cPeer.close();
    await pf.delete(port);
  });
  for (const c of [cPf, cSf, cPeer]) c.fill(8);
  await flush();
  return { rig, wire, hPf, hSf, hPeer, cPf, cSf, cPeer };
}

const txOk = async (h: CoreHandle) =>
  (await readPortCounters(h, 1, PpcntGroup.IEEE_802_3)).get('a_frames_transmitted_ok') ?? 0n;

describe('embedded switch', () => {
  it('delivers PF -> SF and SF -> PF by MAC without the frame leaving the port', async () => {
    const { wire, hPf, hSf, cPf, cSf, cPeer } = await setup();
    const toSf = frame(SF_MAC, 300, 0x11);
    cPf.send(toSf);
    await flush();
    expect(cSf.rxCqes).toHaveLength(1);
    expect(cSf.rxCqes[0]).toMatchObject({ opcode: CqeOpcode.RESP_SEND, byteCnt: 300 });
    expect(cSf.rxBuf.subarray(0, 300).equals(toSf)).toBe(true);
    expect(cPf.txCqes).toHaveLength(1);

    const toPf = frame(PF_MAC, 200, 0x22);
    cSf.send(toPf);
    await flush();
    expect(cPf.rxCqes).toHaveLength(1);
    expect(cPf.rxBuf.subarray(0, 200).equals(toPf)).toBe(true);
    // Neither frame reached the wire or the peer.
    expect(wire.stats().transmitted).toBe(0);
    expect(cPeer.rxCqes).toHaveLength(0);
    expect(await txOk(hPf)).toBe(0n);
    expect(await txOk(hSf)).toBe(0n);
  });

  it('sends non-local unicast from an SF out of the physical port, and delivers wire frames to the SF by MAC', async () => {
    const { wire, cPf, cSf, cPeer, hSf } = await setup();
    cSf.send(frame(PEER_MAC, 128, 0x33));
    await flush();
    expect(cPeer.rxCqes).toHaveLength(1);
    expect(wire.stats().transmitted).toBe(1);
    expect(await txOk(hSf)).toBe(1n);

    cPeer.send(frame(SF_MAC, 96, 0x44));
    await flush();
    expect(cSf.rxCqes).toHaveLength(1);
    expect(cSf.rxBuf.subarray(0, 6).equals(SF_MAC)).toBe(true);
    expect(cPf.rxCqes).toHaveLength(0);
  });

  it('floods broadcast to every function on the port and to the wire', async () => {
    const { wire, cPf, cSf, cPeer } = await setup();
    cPf.send(frame(BCAST, 64));
    await flush();
    expect(cSf.rxCqes).toHaveLength(1);
    expect(cPeer.rxCqes).toHaveLength(1);
    expect(cPf.rxCqes).toHaveLength(0);
    expect(wire.stats().transmitted).toBe(1);
    cPeer.send(frame(BCAST, 64));
    await flush();
    expect(cPf.rxCqes).toHaveLength(1);
    expect(cSf.rxCqes).toHaveLength(2);
  });

  it("an SF's link follows the physical port", async () => {
    const { wire, rig } = await setup();
    const sfFw = rig.sim.engine.subFunctions.list()[0]!.firmware!;
    expect(sfFw.datapath.port(1)?.operUp).toBe(true);
    wire.disconnect();
    expect(sfFw.datapath.port(1)?.operUp).toBe(false);
    wire.connect();
    expect(sfFw.datapath.port(1)?.operUp).toBe(true);
  });
});
