import { AuxError, type DmaDirtyLog, isAuxError } from '@auxctl/prm';
import {
  FeatureFlag,
  loggingControlData,
  loggingReportData,
  VfioFeature,
  VfioPciCoreDevice,
} from '@auxctl/vfio';
import { describe, expect, it } from 'vitest';
import { Mlx5VfDirtyLog } from './mlx5-vf-dirty-log.js';
import { fakePf } from './test-support/fake-pf.js';
import { VfTarget } from './vf-target.js';

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;

/** A tracker that logs the pages `write` touches while started. */
function tracker() {
  let ranges: readonly { iova: bigint; length: bigint }[] | undefined;
  let ps = 4096n;
  const dirty = new Set<bigint>();
  const t: DmaDirtyLog & { write(addr: bigint, len: bigint): void } = {
    start(r, pageSize) {
      if (ranges) throw new AuxError('EBUSY', 'started');
      ranges = r;
      ps = BigInt(pageSize);
    },
    stop() {
      ranges = undefined;
      dirty.clear();
    },
    readAndClear(iova, length) {
      if (!ranges) throw new AuxError('EINVAL', 'not started');
      const out = [...dirty]
        .filter((p) => p >= iova && p < iova + length)
        .sort((a, b) => (a < b ? -1 : 1));
      for (const p of out) dirty.delete(p);
      return out;
    },
    write(addr, len) {
      if (!ranges?.some((r) => addr >= r.iova && addr < r.iova + r.length)) return;
      for (let p = (addr / ps) * ps; p < addr + len; p += ps) dirty.add(p);
    },
  };
  return t;
}

describe('mlx5_vfio_pci DMA logging', () => {
  it('reports the pages the VF wrote, read and cleared, through deviceFeature; ENOTCONN once gone', async () => {
    const pf = fakePf();
    const vf = new VfTarget(pf, pf.vhcaId, '0000:08:00.2');
    const t = tracker();
    const dev = new VfioPciCoreDevice({
      fn: { bdf: vf.bdf, resource: {} },
      ops: { log: new Mlx5VfDirtyLog(vf, t) },
    });
    const fd = await dev.open();
    const { SET, GET } = FeatureFlag;
    await fd.deviceFeature(
      VfioFeature.DMA_LOGGING_START | SET,
      loggingControlData(8192n, [{ iova: 0x100000n, length: 0x40000n }]),
    );
    t.write(0x102000n, 100n);
    t.write(0x107fffn, 2n);
    t.write(0x900000n, 10n); // outside the logged range
    const report = loggingReportData(0x100000n, 0x40000n, 8192n);
    const r = await fd.deviceFeature(VfioFeature.DMA_LOGGING_REPORT | GET, report);
    // 8 KiB pages 1, 3 and 4 of the span.
    expect(r.bitmap?.[0]).toBe(0b11010);
    const again = await fd.deviceFeature(VfioFeature.DMA_LOGGING_REPORT | GET, report);
    expect(again.bitmap?.[0]).toBe(0);
    vf.detach();
    await expect(fd.deviceFeature(VfioFeature.DMA_LOGGING_REPORT | GET, report)).rejects.toSatisfy(
      code('ENOTCONN'),
    );
  });
});
