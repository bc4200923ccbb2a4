import { featureBit, VirtioF, VirtioNetF } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VdpaBus } from '../bus/vdpa-bus.js';
import { VdpaSimNet } from '../test-support/vdpa-sim-net.js';
import { DriverVirtqueue, ringDistance, ringSlot } from './driver-virtqueue.js';
import { negotiateNetFeatures } from './net-features.js';

const u16 = fc.nat({ max: 0xffff });

describe('ring index arithmetic', () => {
  it('ringSlot is the index modulo a power-of-two size; ringDistance inverts addition mod 2^16', () => {
    fc.assert(
      fc.property(u16, fc.nat({ max: 15 }), fc.nat({ max: 0xffff }), (idx, log, step) => {
        const num = 1 << log;
        expect(ringSlot(idx, num)).toBe(idx % num);
        expect(ringDistance((idx + step) & 0xffff, idx)).toBe(step);
      }),
    );
  });
});

type Op = { kind: 'add'; segs: number } | { kind: 'device'; n: number } | { kind: 'reclaim' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), segs: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('device' as const), n: fc.integer({ min: 1, max: 4 }) }),
  fc.constant({ kind: 'reclaim' as const }),
);

describe('DriverVirtqueue against the device-side ring walker', () => {
  it('hands back every chain once, in completion order, across 16-bit wrap', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0xff00, max: 0xffff }),
        fc.array(op, { minLength: 1, maxLength: 120 }),
        async (start, ops) => {
          const bus = new VdpaBus();
          const sim = new VdpaSimNet();
          const vdev = await bus.addDevice({ config: sim.ops, dma: sim.dma, nvqs: sim.nvqs });
          const vq = new DriverVirtqueue<number>(vdev, 0, 8, { startIndex: start });
          const device = sim.vqs[0]!;
          const mem = Buffer.alloc(4096);
          const base = sim.dma.map(mem);
          const inFlight: number[] = [];
          const completed: number[] = [];
          const reclaimed: number[] = [];
          const segsOf = new Map<number, number>();
          let next = 0;
          for (const o of ops) {
            if (o.kind === 'add') {
              const segs = Array.from({ length: o.segs }, (_, i) => ({
                addr: base + BigInt(i * 16),
                len: 16,
                write: i === o.segs - 1,
              }));
              const fits = vq.numFree >= o.segs;
              expect(vq.add(segs, next)).toBe(fits);
              if (fits) {
                inFlight.push(next);
                segsOf.set(next, o.segs);
                next++;
              }
            } else if (o.kind === 'device') {
              for (let k = 0; k < o.n; k++) {
                const c = device.pop();
                if (!c) break;
                const token = inFlight.shift()!;
                expect(c.readable.length + c.writable.length).toBe(segsOf.get(token));
                device.push(c.head, token);
                completed.push(token);
              }
            } else {
              for (let u = vq.getUsed(); u; u = vq.getUsed()) {
                expect(u.len).toBe(u.token);
                reclaimed.push(u.token);
              }
            }
            const outstanding = [...inFlight, ...completed.slice(reclaimed.length)];
            const descs = outstanding.reduce((s, t) => s + segsOf.get(t)!, 0);
            expect(vq.numFree).toBe(8 - descs);
            expect(vq.inFlight).toBe(outstanding.length);
          }
          expect(reclaimed).toEqual(completed.slice(0, reclaimed.length));
          expect(device.lastAvail).toBe((start + completed.length) & 0xffff);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('negotiateNetFeatures', () => {
  const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
  const V1 = featureBit(VirtioF.VERSION_1);

  it('takes only offered bits, always VERSION_1 and ACCESS_PLATFORM when offered, MQ only with CTRL_VQ', () => {
    fc.assert(
      fc.property(u64, u64, (device, wanted) => {
        const dev = device | V1;
        const f = negotiateNetFeatures(dev, wanted);
        expect(f & ~dev).toBe(0n);
        expect(f & V1).toBe(V1);
        const ap = featureBit(VirtioF.ACCESS_PLATFORM);
        expect(f & ap).toBe(dev & ap);
        if (f & featureBit(VirtioNetF.MQ)) expect(f & featureBit(VirtioNetF.CTRL_VQ)).not.toBe(0n);
        expect(f & ~(wanted | V1 | ap)).toBe(0n);
      }),
    );
  });

  it('refuses a device without VERSION_1 (EOPNOTSUPP)', () => {
    fc.assert(
      fc.property(u64, u64, (device, wanted) => {
        expect(() => negotiateNetFeatures(device & ~V1, wanted)).toThrow(
          expect.objectContaining({ code: 'EOPNOTSUPP' }),
        );
      }),
    );
  });
});
