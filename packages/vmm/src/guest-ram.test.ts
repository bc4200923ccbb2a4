import { type DeviceBackend, PAGE_SIZE } from '@auxctl/prm';
import type { VfioDeviceFd } from '@auxctl/vfio';
import { type MigRig, migRig } from '@auxctl/vfio-mlx5/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { GuestRam } from './guest-ram.js';

const P = BigInt(PAGE_SIZE);
const rigs: MigRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

/** vfFd: VF 0 of a fresh PF, migratable and bound to mlx5_vfio_pci, opened. */
async function vfFd(): Promise<VfioDeviceFd<DeviceBackend>> {
  const rig = await migRig();
  rigs.push(rig);
  await rig.enableVfs(1, [0]);
  await rig.bindVfio(0);
  return rig.devices.open<DeviceBackend>(rig.vfBdf(0));
}

const errno = (f: () => unknown) => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('GuestRam', () => {
  it('tracks what the CPU writes by comparing with its shadow; the device log stays empty', async () => {
    const fd = await vfFd();
    const a = Buffer.alloc(3 * PAGE_SIZE + 100, 1);
    const b = Buffer.alloc(PAGE_SIZE, 2);
    const ia = fd.region.dma.map(a);
    const ib = fd.region.dma.map(b);
    const ram = new GuestRam(fd);
    expect(ram.layout()).toEqual([
      { iova: ia, length: 4 * PAGE_SIZE },
      { iova: ib, length: PAGE_SIZE },
    ]);
    await ram.startTracking();
    await expect(ram.startTracking()).rejects.toMatchObject({ code: 'EBUSY' });
    expect(ram.allPages().map((p) => p.iova)).toEqual([ia, ia + P, ia + 2n * P, ia + 3n * P, ib]);
    expect(await ram.dirtyPages()).toEqual([]);
    a[PAGE_SIZE + 5] = 9;
    a[3 * PAGE_SIZE + 99] = 9; // the partial last page
    const c = Buffer.alloc(PAGE_SIZE, 3);
    const ic = fd.region.dma.map(c); // mapped since: all of it
    const dirty = await ram.dirtyPages();
    expect(dirty.map((p) => p.iova)).toEqual([ia + P, ia + 3n * P, ic]);
    expect(ram.deviceDirtied).toBe(0);
    expect(dirty[0]?.data[5]).toBe(9);
    expect(dirty[1]?.data[99]).toBe(9);
    expect(await ram.dirtyPages()).toEqual([]);
    await ram.stopTracking();
    ram.release();
    expect(fd.region.dma.mappings).toBe(0);
  });

  it('property: a destination takes exactly the pages inside its layout and ends as the source was', async () => {
    const fd = await vfFd();
    const ram = new GuestRam(fd);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ gap: fc.integer({ min: 1, max: 4 }), pages: fc.integer({ min: 1, max: 4 }) }),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.array(
          fc.record({
            page: fc.integer({ min: 0, max: 40 }),
            fill: fc.integer({ min: 1, max: 255 }),
          }),
          {
            maxLength: 12,
          },
        ),
        async (regions, writes) => {
          let page = 0x1000;
          const layout = regions.map((r) => {
            page += r.gap;
            const out = { iova: BigInt(page) * P, length: r.pages * PAGE_SIZE };
            page += r.pages;
            return out;
          });
          ram.applyLayout(layout);
          expect(new GuestRam(fd).layout()).toEqual(layout);
          for (const w of writes) {
            const iova = 0x1000n * P + BigInt(w.page) * P;
            const inside = layout.some((r) => iova >= r.iova && iova < r.iova + BigInt(r.length));
            const code = errno(() =>
              ram.writePage({ iova, data: Buffer.alloc(PAGE_SIZE, w.fill) }),
            );
            expect(code).toBe(inside ? undefined : 'EINVAL');
            if (inside) expect(fd.region.dma.resolve(iova, PAGE_SIZE)?.[0]).toBe(w.fill);
          }
          expect(errno(() => ram.writePage({ iova: layout[0]!.iova, data: Buffer.alloc(1) }))).toBe(
            'EINVAL',
          );
          ram.release();
          expect(fd.region.dma.mappings).toBe(0);
        },
      ),
      { numRuns: 50 },
    );
    // Something else mapped where a region goes: EEXIST, nothing of it kept.
    const other = fd.region.dma.map(Buffer.alloc(PAGE_SIZE));
    expect(errno(() => ram.applyLayout([{ iova: other, length: PAGE_SIZE }]))).toBe('EEXIST');
    expect(errno(() => ram.applyLayout([{ iova: other + 8n * P, length: 100 }]))).toBe('EINVAL');
    fd.region.dma.unmap(other);
  });
});
