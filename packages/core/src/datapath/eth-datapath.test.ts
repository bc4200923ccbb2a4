import { CqeOpcode, PpcntGroup } from '@auxctl/prm';
import { SimWire } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  modifyNicVportContext,
  queryVportCounters,
  readPaos,
  readPortCounters,
  writePaos,
} from '../device/port-commands.js';
import { channel, flush, frame, nodes, RX_SLOT } from './test-support/data-path-rig.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function pair(wire: ConstructorParameters<typeof SimWire>[2] = {}) {
  const r = await nodes(2);
  cleanups.push(r.close);
  const [a, b] = r.nodes as [(typeof r.nodes)[0], (typeof r.nodes)[0]];
  const w = new SimWire({ device: a.sim }, { device: b.sim }, wire);
  cleanups.push(async () => w.unplug());
  const ca = await channel(a.h);
  const cb = await channel(b.h);
  cleanups.push(async () => {
    await ca.close();
    await cb.close();
  });
  await flush();
  return { a, b, ca, cb, w };
}

const BCAST = Buffer.from('ffffffffffff', 'hex');

describe('Ethernet datapath over a SimWire', () => {
  it('carries a frame from A to B byte-exact, with a send CQE at A and a receive CQE at B', async () => {
    const { a, b, ca, cb } = await pair();
    cb.fill(4);
    const f = frame(BCAST, 1000);
    f.writeUInt32BE(0xdeadbeef, 100);
    ca.send(f);
    await flush();
    expect(cb.rxCqes[0]?.syndrome).toBeUndefined();
    expect(ca.txCqes).toHaveLength(1);
    expect(ca.txCqes[0]).toMatchObject({
      opcode: CqeOpcode.REQ,
      qpn: ca.sq.sqn,
      wqeCounter: 0,
      byteCnt: 1000,
    });
    expect(cb.rxCqes).toHaveLength(1);
    expect(cb.rxCqes[0]).toMatchObject({
      opcode: CqeOpcode.RESP_SEND,
      qpn: cb.rq.rqn,
      wqeCounter: 0,
      byteCnt: 1000,
    });
    expect(cb.rxBuf.subarray(0, 1000).equals(f)).toBe(true);
    const pa = await readPortCounters(a.h, 1, PpcntGroup.IEEE_802_3);
    const pb = await readPortCounters(b.h, 1, PpcntGroup.IEEE_802_3);
    expect(pa.get('a_frames_transmitted_ok')).toBe(1n);
    expect(pa.get('a_octets_transmitted_ok')).toBe(1000n);
    expect(pb.get('a_frames_received_ok')).toBe(1n);
    expect(pb.get('a_broadcast_frames_received_ok')).toBe(1n);
    const vb = await queryVportCounters(b.h);
    expect(vb.received_eth_broadcast).toEqual({ packets: 1n, octets: 1000n });
    const va = await queryVportCounters(a.h, true);
    expect(va.transmitted_eth_broadcast.packets).toBe(1n);
    expect((await queryVportCounters(a.h)).transmitted_eth_broadcast.packets).toBe(0n);
  });

  it('carries many frames in order across ring wrap-around', async () => {
    const { ca, cb } = await pair();
    const frames = Array.from({ length: 200 }, (_, i) => frame(BCAST, 60 + i, i & 0xff));
    let sent = 0;
    let received = 0;
    while (received < frames.length) {
      cb.fill(cb.rq.wq.room);
      while (sent < frames.length && ca.sq.wq.room > 0 && sent - received < 32) {
        ca.send(frames[sent]!, (sent % 64) * 1024);
        sent++;
      }
      await flush();
      for (const c of cb.rxCqes.splice(0)) {
        const slot = c.wqeCounter & 63;
        expect(
          cb.rxBuf.subarray(slot * RX_SLOT, slot * RX_SLOT + c.byteCnt).equals(frames[received]!),
        ).toBe(true);
        received++;
      }
    }
    expect(ca.txCqes).toHaveLength(200);
  });

  it('drops frames for another MAC and frames with no receive WQE, counting if_in_discards', async () => {
    const { b, ca, cb } = await pair();
    await modifyNicVportContext(b.h, { mac: Buffer.from('020000000002', 'hex') });
    cb.fill(1);
    ca.send(frame(Buffer.from('020000000099', 'hex'), 64));
    ca.send(frame(Buffer.from('020000000002', 'hex'), 64));
    ca.send(frame(Buffer.from('020000000002', 'hex'), 64));
    await flush();
    expect(cb.rxCqes).toHaveLength(1);
    const rfc = await readPortCounters(b.h, 1, PpcntGroup.RFC_2863);
    expect(rfc.get('if_in_discards')).toBe(2n);
  });

  it('loses frames on a lossy wire deterministically; sent = received + dropped', async () => {
    const counts: bigint[][] = [];
    for (let run = 0; run < 2; run++) {
      const { a, b, ca, cb, w } = await pair({ lossRate: 0.3, seed: 42 });
      let sent = 0;
      for (let round = 0; round < 10; round++) {
        cb.fill(cb.rq.wq.room);
        for (let i = 0; i < 20; i++) ca.send(frame(BCAST, 64 + i), i * 128);
        sent += 20;
        await flush();
      }
      const pa = await readPortCounters(a.h, 1, PpcntGroup.IEEE_802_3);
      const pb = await readPortCounters(b.h, 1, PpcntGroup.IEEE_802_3);
      const rb = await readPortCounters(b.h, 1, PpcntGroup.RFC_2863);
      const tx = pa.get('a_frames_transmitted_ok')!;
      const rx = pb.get('a_frames_received_ok')!;
      const fcs = pb.get('a_frame_check_sequence_errors')!;
      const disc = rb.get('if_in_discards') ?? 0n;
      expect(tx).toBe(BigInt(sent));
      expect(tx).toBe(rx + fcs);
      expect(rx).toBe(BigInt(cb.rxCqes.length) + disc);
      expect(BigInt(w.stats().lost)).toBe(fcs);
      expect(fcs).toBeGreaterThan(0n);
      counts.push([tx, rx, fcs]);
      for (const c of cleanups.splice(0).reverse()) await c();
    }
    expect(counts[0]).toEqual(counts[1]);
  });

  it('link down: port events at both ends, frames dropped as if_out_discards; link up again', async () => {
    const { a, b, ca, cb, w } = await pair();
    expect(await readPaos(a.h, 1)).toEqual({ admin: 'up', oper: 'up' });
    a.events.length = 0;
    b.events.length = 0;
    w.disconnect();
    await flush();
    expect(a.events).toContainEqual({ type: 'port', core: a.core.name, port: 1, state: 'down' });
    expect(b.events).toContainEqual({ type: 'port', core: b.core.name, port: 1, state: 'down' });
    expect(await readPaos(a.h, 1)).toEqual({ admin: 'up', oper: 'down' });
    cb.fill(2);
    ca.send(frame(BCAST, 64));
    await flush();
    expect(cb.rxCqes).toHaveLength(0);
    expect(ca.txCqes).toHaveLength(1);
    expect((await readPortCounters(a.h, 1, PpcntGroup.RFC_2863)).get('if_out_discards')).toBe(1n);
    w.connect();
    await flush();
    expect(b.events.at(-1)).toEqual({ type: 'port', core: b.core.name, port: 1, state: 'up' });
    ca.send(frame(BCAST, 64));
    await flush();
    expect(cb.rxCqes).toHaveLength(1);
  });

  it('PAOS admin down at one end takes the link down at both; up brings it back', async () => {
    const { a, b } = await pair();
    b.events.length = 0;
    await writePaos(a.h, 1, 'down');
    await flush();
    expect(await readPaos(a.h, 1)).toEqual({ admin: 'down', oper: 'down' });
    expect(await readPaos(b.h, 1)).toEqual({ admin: 'up', oper: 'down' });
    expect(b.events).toContainEqual({ type: 'port', core: b.core.name, port: 1, state: 'down' });
    await writePaos(a.h, 1, 'up');
    expect((await readPaos(b.h, 1)).oper).toBe('up');
  });

  it('without a wire a port is down', async () => {
    const r = await nodes(1);
    cleanups.push(r.close);
    expect(await readPaos(r.nodes[0]!.h, 1)).toEqual({ admin: 'up', oper: 'down' });
  });
});
