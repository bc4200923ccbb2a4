import {
  Avail,
  VirtioNetCtrl as C,
  DmaSpace,
  Used,
  VringDescF,
  vringSizes,
  writeDesc,
} from '@auxctl/prm';
import { DeviceVirtqueue } from '@auxctl/vdpa';
import { describe, expect, it } from 'vitest';
import { ControlVq } from './control-vq.js';

/** A control queue of 16 entries in a DmaSpace, and the driver's side of it written by hand. */
function rig(failMac = false) {
  const dma = new DmaSpace();
  const vq = new DeviceVirtqueue(dma);
  const num = 16;
  const sizes = vringSizes(num);
  const desc = Buffer.alloc(sizes.desc);
  const avail = Buffer.alloc(sizes.avail);
  const used = Buffer.alloc(sizes.used);
  [vq.descArea, vq.driverArea, vq.deviceArea] = [dma.map(desc), dma.map(avail), dma.map(used)];
  vq.num = num;
  vq.ready = true;
  const seen = { macs: [] as string[], pairs: [] as number[], faults: [] as string[] };
  const cvq = new ControlVq(
    () => vq,
    {
      maxVqPairs: 4,
      setMac: async (mac) => {
        if (failMac) throw new Error('vport refused');
        seen.macs.push(mac.toString('hex'));
      },
      setPairs: (n) => seen.pairs.push(n),
      onFault: (why) => seen.faults.push(why),
      eventIdx: () => false,
    },
    (fn) => fn(),
  );
  let next = 0;
  /** send: one command chain (header + data readable, ack writable); returns its ack buffer. */
  const send = (cls: number, cmd: number, data: Buffer): Buffer => {
    const head = Buffer.concat([Buffer.from([cls, cmd]), data]);
    const ack = Buffer.from([0xff]);
    const d = (next * 2) % num;
    writeDesc(desc, d, {
      addr: dma.map(head),
      len: head.length,
      flags: VringDescF.NEXT,
      next: d + 1,
    });
    writeDesc(desc, d + 1, { addr: dma.map(ack), len: 1, flags: VringDescF.WRITE, next: 0 });
    Avail.setEntry(avail, next % num, d);
    next++;
    Avail.setIdx(avail, next);
    return ack;
  };
  const flush = async () => {
    cvq.kick();
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  };
  return { cvq, vq, desc, avail, used, send, flush, seen };
}

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};

describe('the software control queue', () => {
  it('sets the MAC and queue pairs, adds and removes VLANs, and answers ERR to the rest', async () => {
    const r = rig();
    const acks = [
      r.send(C.CLASS_MAC, C.CMD_MAC_ADDR_SET, Buffer.from('020000000009', 'hex')),
      r.send(C.CLASS_MQ, C.CMD_MQ_VQ_PAIRS_SET, u16(3)),
      r.send(C.CLASS_MQ, C.CMD_MQ_VQ_PAIRS_SET, u16(5)),
      r.send(C.CLASS_VLAN, 0, u16(100)),
      r.send(C.CLASS_VLAN, 0, u16(4096)),
      r.send(C.CLASS_RX, 0, Buffer.from([1])),
    ];
    await r.flush();
    expect(acks.map((a) => a[0])).toEqual([C.OK, C.OK, C.ERR, C.OK, C.ERR, C.ERR]);
    expect(r.seen).toEqual({ macs: ['020000000009'], pairs: [3], faults: [] });
    expect([...r.cvq.vlans]).toEqual([100]);
    expect(Used.idx(r.used)).toBe(6);
    const del = r.send(C.CLASS_VLAN, 1, u16(100));
    await r.flush();
    expect(del[0]).toBe(C.OK);
    expect(r.cvq.vlans.size).toBe(0);
  });

  it('answers ERR when the vport refuses the MAC', async () => {
    const r = rig(true);
    const ack = r.send(C.CLASS_MAC, C.CMD_MAC_ADDR_SET, Buffer.from('020000000009', 'hex'));
    await r.flush();
    expect(ack[0]).toBe(C.ERR);
  });

  it('a malformed chain is a fault the device reports, and the queue stops', async () => {
    const r = rig();
    writeDesc(r.desc, 0, { addr: 0xdead_0000n, len: 8, flags: 0, next: 0 });
    Avail.setEntry(r.avail, 0, 0);
    Avail.setIdx(r.avail, 1);
    await r.flush();
    expect(r.seen.faults).toHaveLength(1);
    expect(r.vq.ready).toBe(false);
  });

  it('serves nothing while paused, and the backlog on resume', async () => {
    const r = rig();
    r.cvq.pause();
    const ack = r.send(C.CLASS_MQ, C.CMD_MQ_VQ_PAIRS_SET, u16(2));
    await r.flush();
    expect(ack[0]).toBe(0xff);
    r.cvq.resume();
    await r.flush();
    expect(ack[0]).toBe(C.OK);
  });
});
