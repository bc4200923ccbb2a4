import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FeatureFlag, VfioFeature } from '../feature/device-feature.js';
import {
  loggingControlData,
  loggingReportData,
  migStateData,
  readMigState,
  readU64,
} from '../feature/feature-structs.js';
import { migPath } from '../migration/mig-fsm.js';
import {
  ALL_MIG_FLAGS,
  MigState as M,
  MIG_STATES,
  MigFlag,
  migStateName,
} from '../migration/mig-states.js';
import { fakeLog, fakeMigDriver } from './test-support/fake-mig-driver.js';
import { VfioPciCoreDevice } from './vfio-pci-core-device.js';

const { GET, SET, PROBE } = FeatureFlag;
const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;

function rig(flags = ALL_MIG_FLAGS) {
  const mig = fakeMigDriver(flags);
  const log = fakeLog();
  const calls: string[] = [];
  const fn = { bdf: '0000:08:00.2', resource: { name: 'bar0' } };
  const dev = new VfioPciCoreDevice({
    fn,
    ops: {
      migration: mig,
      log,
      openDevice: async () => void calls.push('open'),
      closeDevice: async () => void calls.push('close'),
    },
    resetFunction: async () => void calls.push('flr'),
  });
  return { dev, mig, log, calls };
}

const setState = (state: number) =>
  [VfioFeature.MIG_DEVICE_STATE | SET, migStateData(state)] as const;

describe('VfioPciCoreDevice: open, close, region, reset', () => {
  it('runs openDevice on the first open and closeDevice on the last close only', async () => {
    const { dev, calls } = rig();
    const a = await dev.open();
    const b = await dev.open();
    expect(dev.openCount).toBe(2);
    expect(a.region).toEqual({ name: 'bar0' });
    await a.close();
    await a.close();
    expect(calls).toEqual(['open']);
    await b.close();
    expect(calls).toEqual(['open', 'close']);
    expect(dev.openCount).toBe(0);
    await expect(a.deviceFeature(VfioFeature.MIGRATION | GET, Buffer.alloc(8))).rejects.toSatisfy(
      code('EBADF'),
    );
    expect(() => b.region).toThrow(/closed/);
  });

  it('a failing openDevice leaves nothing open', async () => {
    const dev = new VfioPciCoreDevice({
      fn: { bdf: '0000:08:00.2', resource: 0 },
      ops: {
        openDevice: async () => {
          throw new Error('no');
        },
      },
    });
    await expect(dev.open()).rejects.toThrow('no');
    expect(dev.openCount).toBe(0);
  });

  it('reset resets the function and puts migration back to RUNNING with files closed', async () => {
    const { dev, mig, calls } = rig();
    const fd = await dev.open();
    const { file } = await fd.deviceFeature(...setState(M.STOP_COPY));
    expect(file?.closed).toBe(false);
    await fd.reset();
    expect(calls).toEqual(['open', 'flr']);
    expect(mig.state).toBe(M.RUNNING);
    expect(file?.closed).toBe(true);
    const got = await fd.deviceFeature(VfioFeature.MIG_DEVICE_STATE | GET, Buffer.alloc(8));
    expect(readMigState(got.data)).toEqual({ state: M.RUNNING, dataFd: -1 });
  });

  it('reset without a function reset is EINVAL; an unregistered device opens no more', async () => {
    const dev = new VfioPciCoreDevice({ fn: { bdf: '0000:08:00.2', resource: 0 } });
    const fd = await dev.open();
    await expect(fd.reset()).rejects.toSatisfy(code('EINVAL'));
    dev.unregister();
    expect(() => fd.region).toThrow(/gone/);
    await expect(dev.open()).rejects.toSatisfy(code('ENODEV'));
  });
});

describe('VfioPciCoreDevice: feature rules', () => {
  it('applies the header and per-feature rules with the kernel errnos', async () => {
    const { dev } = rig();
    const fd = await dev.open();
    const eight = Buffer.alloc(8);
    const cases: [number, Buffer, string][] = [
      [VfioFeature.MIGRATION | GET | (1 << 19), eight, 'EINVAL'], // unknown flag bit
      [VfioFeature.MIG_DEVICE_STATE | GET | SET, eight, 'EINVAL'], // GET and SET without PROBE
      [VfioFeature.MIGRATION | SET, eight, 'EINVAL'], // MIGRATION has no SET
      [VfioFeature.MIGRATION, eight, 'EINVAL'], // neither GET nor SET
      [VfioFeature.MIGRATION | GET, Buffer.alloc(7), 'EINVAL'], // argsz too small
      [VfioFeature.MIG_DEVICE_STATE | SET, Buffer.alloc(4), 'EINVAL'],
      [VfioFeature.MIG_DATA_SIZE | SET, eight, 'EINVAL'],
      [VfioFeature.DMA_LOGGING_REPORT | SET, Buffer.alloc(32), 'EINVAL'],
      [VfioFeature.LOW_POWER_ENTRY | SET, eight, 'ENOTTY'], // not a feature of this device
      [0x7fff | GET, eight, 'ENOTTY'],
      [-1, eight, 'EINVAL'],
    ];
    for (const [flags, data, errno] of cases) {
      await expect(
        fd.deviceFeature(flags, data),
        `flags 0x${flags.toString(16)}`,
      ).rejects.toSatisfy(code(errno));
    }
  });

  it('PROBE answers for what the feature has, without data or effect', async () => {
    const { dev, mig } = rig();
    const fd = await dev.open();
    for (const flags of [
      VfioFeature.MIGRATION | GET | PROBE,
      VfioFeature.MIG_DEVICE_STATE | GET | SET | PROBE,
      VfioFeature.MIG_DEVICE_STATE | PROBE,
      VfioFeature.MIG_DATA_SIZE | GET | PROBE,
      VfioFeature.DMA_LOGGING_START | SET | PROBE,
      VfioFeature.DMA_LOGGING_STOP | SET | PROBE,
      VfioFeature.DMA_LOGGING_REPORT | GET | PROBE,
    ]) {
      expect((await fd.deviceFeature(flags)).data.length).toBe(0);
    }
    await expect(fd.deviceFeature(VfioFeature.MIGRATION | SET | PROBE)).rejects.toSatisfy(
      code('EINVAL'),
    );
    expect(mig.arcs).toEqual([]);
  });

  it('a device without migration or log ops answers ENOTTY for those features', async () => {
    const dev = new VfioPciCoreDevice({ fn: { bdf: '0000:08:00.2', resource: 0 } });
    const fd = await dev.open();
    for (const f of [
      VfioFeature.MIGRATION | GET,
      VfioFeature.MIG_DEVICE_STATE | PROBE,
      VfioFeature.MIG_DATA_SIZE | GET,
      VfioFeature.DMA_LOGGING_START | SET,
      VfioFeature.DMA_LOGGING_STOP | SET,
      VfioFeature.DMA_LOGGING_REPORT | GET,
    ]) {
      await expect(fd.deviceFeature(f, Buffer.alloc(32))).rejects.toSatisfy(code('ENOTTY'));
    }
  });

  it("MIGRATION and MIG_DATA_SIZE report the driver's flags and estimate", async () => {
    const { dev } = rig(MigFlag.STOP_COPY | MigFlag.PRE_COPY);
    const fd = await dev.open();
    const m = await fd.deviceFeature(VfioFeature.MIGRATION | GET, Buffer.alloc(8));
    expect(readU64(m.data)).toBe(5n);
    const s = await fd.deviceFeature(VfioFeature.MIG_DATA_SIZE | GET, Buffer.alloc(8));
    expect(readU64(s.data)).toBe(0x1234n);
  });
});

describe('VfioPciCoreDevice: MIG_DEVICE_STATE', () => {
  it('steps the driver one arc at a time and hands back the file the last arc opened', async () => {
    const { dev, mig } = rig();
    const fd = await dev.open();
    const r = await fd.deviceFeature(...setState(M.STOP_COPY));
    expect(mig.arcs).toEqual(['RUNNING>RUNNING_P2P', 'RUNNING_P2P>STOP', 'STOP>STOP_COPY']);
    expect(r.file).toBeDefined();
    expect(readMigState(r.data).state).toBe(M.STOP_COPY);
    expect(readMigState(r.data).dataFd).toBeGreaterThanOrEqual(3);
    const back = await fd.deviceFeature(...setState(M.RUNNING));
    expect(back.file).toBeUndefined();
    expect(readMigState(back.data)).toEqual({ state: M.RUNNING, dataFd: -1 });
    expect(mig.arcs.slice(3)).toEqual([
      'STOP_COPY>STOP',
      'STOP>RUNNING_P2P',
      'RUNNING_P2P>RUNNING',
    ]);
  });

  for (const [flagsName, flags] of [
    ['every flag', ALL_MIG_FLAGS],
    ['STOP_COPY only', MigFlag.STOP_COPY],
    ['STOP_COPY | PRE_COPY', MigFlag.STOP_COPY | MigFlag.PRE_COPY],
  ] as const) {
    it(`takes every legal request by the path's arcs and refuses the rest (${flagsName})`, async () => {
      let legal = 0;
      for (const from of MIG_STATES) {
        for (const to of MIG_STATES) {
          const { dev, mig } = rig(flags);
          mig.state = from;
          const fd = await dev.open();
          let path: string[] | undefined;
          try {
            path = migPath(from, to, flags).map(
              (a) => `${migStateName(a.from)}>${migStateName(a.to)}`,
            );
          } catch {
            path = undefined;
          }
          const req = fd.deviceFeature(...setState(to));
          const what = `${migStateName(from)} -> ${migStateName(to)}`;
          if (!path) {
            await expect(req, what).rejects.toSatisfy(code('EINVAL'));
            expect(mig.arcs, what).toEqual([]);
            expect(mig.state).toBe(from);
            continue;
          }
          legal++;
          const r = await req;
          expect(mig.arcs, what).toEqual(path);
          expect(mig.state, what).toBe(to);
          expect(r.file !== undefined, what).toBe(path.length > 0 && mig.files.length > 0);
        }
      }
      expect(legal).toBeGreaterThan(10);
    });
  }

  it('refuses ERROR, a state outside the enum and STOP_COPY -> PRE_COPY without moving', async () => {
    const { dev, mig } = rig();
    const fd = await dev.open();
    await expect(fd.deviceFeature(...setState(M.ERROR))).rejects.toSatisfy(code('EINVAL'));
    await expect(fd.deviceFeature(...setState(8))).rejects.toSatisfy(code('EINVAL'));
    await fd.deviceFeature(...setState(M.STOP_COPY));
    const before = mig.arcs.length;
    for (const t of [M.PRE_COPY, M.PRE_COPY_P2P]) {
      await expect(fd.deviceFeature(...setState(t))).rejects.toSatisfy(code('EINVAL'));
    }
    expect(mig.arcs.length).toBe(before);
    expect(mig.state).toBe(M.STOP_COPY);
  });

  it('a failed arc stops the walk where it failed', async () => {
    const { dev, mig } = rig();
    mig.failOn = 'STOP>STOP_COPY';
    const fd = await dev.open();
    await expect(fd.deviceFeature(...setState(M.STOP_COPY))).rejects.toSatisfy(code('EIO'));
    expect(mig.state).toBe(M.STOP);
    const got = await fd.deviceFeature(VfioFeature.MIG_DEVICE_STATE | GET, Buffer.alloc(8));
    expect(readMigState(got.data).state).toBe(M.STOP);
  });

  it('a file opened before the end of the path is closed and the request refused', async () => {
    const { dev, mig } = rig();
    mig.strayFileOn = 'RUNNING>RUNNING_P2P';
    const fd = await dev.open();
    await expect(fd.deviceFeature(...setState(M.STOP))).rejects.toSatisfy(code('EINVAL'));
    expect(mig.files.map((f) => [f.opened, f.closed])).toEqual([['RUNNING>RUNNING_P2P', true]]);
  });
});

describe('VfioPciCoreDevice: DMA logging', () => {
  const start = (pageSize: bigint, ranges: { iova: bigint; length: bigint }[]) =>
    [VfioFeature.DMA_LOGGING_START | SET, loggingControlData(pageSize, ranges)] as const;

  it('starts once, reports read-and-clear, stops, and stops on the last close', async () => {
    const { dev, log } = rig();
    const fd = await dev.open();
    const r = await fd.deviceFeature(...start(4096n, [{ iova: 0x10000n, length: 0x10000n }]));
    expect(readU64(r.data)).toBe(4096n);
    await expect(
      fd.deviceFeature(...start(4096n, [{ iova: 0x40000n, length: 0x1000n }])),
    ).rejects.toSatisfy(code('EBUSY'));
    log.dirty = [{ iova: 0x11000n, length: 0x1800n }];
    const report = loggingReportData(0x10000n, 0x10000n, 4096n);
    const rep = await fd.deviceFeature(VfioFeature.DMA_LOGGING_REPORT | GET, report);
    // Pages 1 and 2 of the span (0x11000 .. 0x127ff).
    expect([...(rep.bitmap ?? [])]).toEqual([0b110, 0, 0, 0, 0, 0, 0, 0]);
    const again = await fd.deviceFeature(VfioFeature.DMA_LOGGING_REPORT | GET, report);
    expect([...(again.bitmap ?? [])].every((b) => b === 0)).toBe(true);
    await fd.deviceFeature(VfioFeature.DMA_LOGGING_STOP | SET);
    await expect(fd.deviceFeature(VfioFeature.DMA_LOGGING_REPORT | GET, report)).rejects.toSatisfy(
      code('EINVAL'),
    );
    await fd.deviceFeature(...start(8192n, [{ iova: 0n, length: 0x2000n }]));
    await fd.close();
    expect(log.calls).toEqual(['start 1 4096', 'report', 'report', 'stop', 'start 1 8192', 'stop']);
  });

  it('refuses bad page sizes, too many ranges and overlaps before the driver sees them', async () => {
    const { dev, log } = rig();
    const fd = await dev.open();
    const many = Array.from({ length: 257 }, (_, i) => ({
      iova: BigInt(i) * 0x1000n,
      length: 0x1000n,
    }));
    await expect(fd.deviceFeature(...start(4096n, many))).rejects.toSatisfy(code('E2BIG'));
    await expect(
      fd.deviceFeature(...start(2048n, [{ iova: 0n, length: 0x1000n }])),
    ).rejects.toSatisfy(code('EINVAL'));
    await expect(
      fd.deviceFeature(
        ...start(4096n, [
          { iova: 0n, length: 0x2000n },
          { iova: 0x1000n, length: 0x1000n },
        ]),
      ),
    ).rejects.toSatisfy(code('EINVAL'));
    expect(log.calls).toEqual([]);
  });
});
