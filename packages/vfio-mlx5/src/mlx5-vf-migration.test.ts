import { isAuxError, opcodeName } from '@auxctl/prm';
import {
  ALL_MIG_FLAGS,
  encodeMigRecord,
  FeatureFlag,
  MigState as M,
  type MigDataFile,
  type MigStateValue,
  MigStreamParser,
  MigTag,
  migStateData,
  migStateName,
  readMigState,
  readU64,
  requiredArcs,
  VfioFeature,
  VfioPciCoreDevice,
} from '@auxctl/vfio';
import { describe, expect, it } from 'vitest';
import { arcPlan } from './arc-plan.js';
import { Mlx5VfMigration } from './mlx5-vf-migration.js';
import { type FakePf, fakePf } from './test-support/fake-pf.js';
import { VfTarget } from './vf-target.js';

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;

async function rig(pf: FakePf = fakePf()) {
  const vf = new VfTarget(pf, pf.vhcaId, '0000:08:00.2');
  const flr: string[] = [];
  const mig = new Mlx5VfMigration({ vf, dma: pf.dma, flags: ALL_MIG_FLAGS });
  const dev = new VfioPciCoreDevice({
    fn: { bdf: vf.bdf, resource: {} },
    ops: { migration: mig, closeDevice: () => mig.closeFiles() },
    resetFunction: async () => void flr.push(vf.bdf),
  });
  const fd = await dev.open();
  const go = async (state: MigStateValue) => {
    const r = await fd.deviceFeature(
      VfioFeature.MIG_DEVICE_STATE | FeatureFlag.SET,
      migStateData(state),
    );
    return r.file;
  };
  const leaks = () => ({
    pd: pf.objects.pd.size,
    mkey: pf.objects.mkey.size,
    dma: pf.dma.mappings,
  });
  return { pf, vf, mig, fd, go, leaks, flr };
}

/** readAll: read until the end (STOP_COPY) or the temporary end (ENOMSG, pre-copy), in small pieces. */
async function readAll(f: MigDataFile): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < 10_000; i++) {
    let b: Buffer;
    try {
      b = await f.read(100);
    } catch (e) {
      if (isAuxError(e, 'ENOMSG')) break;
      throw e;
    }
    if (b.length === 0) break;
    parts.push(b);
  }
  return Buffer.concat(parts);
}

const stepName = (s: { opcode: number; opMod: number; incremental?: true; track?: true }) => {
  const n = opcodeName(s.opcode);
  if (s.opcode === 0x115 || s.opcode === 0x116) return `${n}(${s.opMod})`;
  return `${n}${s.incremental ? '+inc' : ''}${s.track ? '+track' : ''}`;
};

describe('mlx5_vfio_pci arcs on the PF', () => {
  for (const arc of requiredArcs(ALL_MIG_FLAGS)) {
    const name = `${migStateName(arc.from)} -> ${migStateName(arc.to)}`;
    it(`${name} sends arcPlan's commands for the VF's vhca_id`, async () => {
      const r = await rig();
      const opened = await r.go(arc.from);
      if (arc.from === M.RESUMING) {
        await opened!.write(
          encodeMigRecord({ tag: MigTag.FW_DATA, flags: 0, data: Buffer.from('img') }),
        );
      }
      r.pf.log.length = 0;
      r.pf.dirty = Buffer.from('changed');
      const file = await r.go(arc.to);
      const plan = arcPlan(arc);
      expect(r.pf.log).toEqual(plan.steps.map(stepName));
      const opens = plan.stream === 'open-save' || plan.stream === 'open-resume';
      expect(file !== undefined).toBe(opens || (plan.stream === 'keep' && arc.to === M.STOP_COPY));
      expect(r.mig.getState()).toBe(arc.to);
      await r.fd.close();
      expect(r.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
    });
  }

  it('saves a pre-copy stream and its stop-copy end, then loads it on another VF', async () => {
    const src = await rig();
    const f = (await src.go(M.PRE_COPY))!;
    expect(await f.precopyInfo()).toMatchObject({ dirtyBytes: 0n });
    const initial = (await f.precopyInfo()).initialBytes;
    const first = await readAll(f);
    expect(BigInt(first.length)).toBe(initial);
    expect(await f.precopyInfo()).toEqual({ initialBytes: 0n, dirtyBytes: 0n });
    src.pf.dirty = Buffer.from('dirtied while running');
    const info = await f.precopyInfo();
    expect(info.dirtyBytes).toBe(BigInt(16 + 21));
    const more = await readAll(f);
    src.pf.dirty = Buffer.from('last words');
    // PRE_COPY -> PRE_COPY_P2P -> STOP_COPY hands the same file on.
    const again = await src.go(M.STOP_COPY);
    expect(src.pf.log.slice(-4)).toEqual([
      'SUSPEND_VHCA(0)',
      'SUSPEND_VHCA(1)',
      'QUERY_VHCA_MIGRATION_STATE+inc',
      'SAVE_VHCA_STATE+inc',
    ]);
    await expect(again!.precopyInfo()).rejects.toSatisfy(code('EINVAL'));
    const rest = await readAll(again!);
    expect(await again!.read(10)).toEqual(Buffer.alloc(0));
    await src.go(M.STOP);
    expect(again!.closed).toBe(true);
    expect(src.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });

    const stream = Buffer.concat([first, more, rest]);
    const records = new MigStreamParser().push(stream);
    expect(records.map((r) => r.tag)).toEqual([MigTag.STOP_COPY_SIZE, 0, 0, 0]);
    expect(readU64(records[0]!.data)).toBe(BigInt(src.pf.image.length));

    const dst = await rig(fakePf(7));
    await dst.go(M.STOP);
    const w = (await dst.go(M.RESUMING))!;
    await expect(w.read(1)).rejects.toSatisfy(code('EINVAL'));
    for (let at = 0; at < stream.length; at += 37) await w.write(stream.subarray(at, at + 37));
    expect(dst.pf.loaded).toEqual([]);
    await dst.go(M.RUNNING);
    expect(dst.pf.loaded.map(String)).toEqual([
      String(src.pf.image),
      'dirtied while running',
      'last words',
    ]);
    expect(dst.pf.log.slice(-2)).toEqual(['RESUME_VHCA(0)', 'RESUME_VHCA(1)']);
    expect(dst.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
    await expect(w.write(Buffer.alloc(1))).rejects.toSatisfy(code('EBADF'));
  });

  const corrupt = [
    [
      'an unknown mandatory record',
      (s: Buffer) =>
        Buffer.concat([s, encodeMigRecord({ tag: 9, flags: 0, data: Buffer.alloc(4) })]),
    ],
    ['a truncated stream', (s: Buffer) => s.subarray(0, s.length - 5)],
  ] as const;
  for (const [what, spoil] of corrupt) {
    it(`refuses ${what} on resume: ERROR, nothing loaded, nothing left on the PF`, async () => {
      const src = await rig();
      const f = (await src.go(M.STOP_COPY))!;
      const stream = spoil(await readAll(f));
      const dst = await rig(fakePf(3));
      await dst.go(M.STOP);
      const w = (await dst.go(M.RESUMING))!;
      const wrote = w.write(stream);
      if (what.startsWith('an unknown')) await expect(wrote).rejects.toSatisfy(code('EINVAL'));
      else await wrote;
      await expect(dst.go(M.STOP)).rejects.toSatisfy(code('EINVAL'));
      expect(dst.mig.getState()).toBe(M.ERROR);
      expect(dst.pf.loaded).toEqual([]);
      expect(w.closed).toBe(true);
      expect(dst.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
      await expect(dst.go(M.RUNNING)).rejects.toSatisfy(code('EINVAL'));
      // The source goes back to running.
      await src.go(M.RUNNING);
      expect(src.mig.getState()).toBe(M.RUNNING);
      expect(src.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
    });
  }

  it('a failed SAVE leaves the state where the arc began and the PF clean', async () => {
    const r = await rig();
    await r.go(M.STOP);
    r.pf.fail = 0x118;
    await expect(r.go(M.STOP_COPY)).rejects.toSatisfy(code('EIO'));
    expect(r.mig.getState()).toBe(M.STOP);
    expect(r.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
  });

  it('files refuse the wrong direction and answer EBADF once closed', async () => {
    const r = await rig();
    const f = (await r.go(M.STOP_COPY))!;
    await expect(f.write(Buffer.alloc(1))).rejects.toSatisfy(code('EINVAL'));
    await expect(f.read(-1)).rejects.toSatisfy(code('EINVAL'));
    await f.close();
    await expect(f.read(1)).rejects.toSatisfy(code('EBADF'));
    expect(r.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
    // The user closed the file; the arc back has nothing to save and still runs.
    await r.go(M.RUNNING);
  });

  it('reset and detach release everything; after detach commands are ENOTCONN', async () => {
    const r = await rig();
    const f = (await r.go(M.PRE_COPY))!;
    await r.fd.reset();
    expect(r.flr).toEqual(['0000:08:00.2']);
    expect(f.closed).toBe(true);
    expect(r.mig.getState()).toBe(M.RUNNING);
    const g = (await r.go(M.STOP_COPY))!;
    await r.mig.detach();
    expect(g.closed).toBe(true);
    expect(r.leaks()).toEqual({ pd: 0, mkey: 0, dma: 0 });
    await expect(r.go(M.RUNNING)).rejects.toSatisfy(code('ENOTCONN'));
    const size = r.fd.deviceFeature(VfioFeature.MIG_DATA_SIZE | FeatureFlag.GET, Buffer.alloc(8));
    await expect(size).rejects.toSatisfy(code('ENOTCONN'));
    const got = await r.fd.deviceFeature(
      VfioFeature.MIG_DEVICE_STATE | FeatureFlag.GET,
      Buffer.alloc(8),
    );
    expect(readMigState(got.data).state).toBe(M.STOP_COPY);
  });
});
