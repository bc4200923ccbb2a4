import { isAuxError } from '@auxctl/prm';
import { encodeMigRecord, MigRecordFlag, MigTag, stopCopySizeRecord } from '@auxctl/vfio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mlx5ResumeFile } from './mlx5-resume-file.js';
import { PfMigMemory } from './pf-mig-memory.js';
import { fakePf } from './test-support/fake-pf.js';
import { VfTarget } from './vf-target.js';

const record = fc.oneof(
  fc
    .uint8Array({ maxLength: 300 })
    .map((d) => ({ tag: MigTag.FW_DATA, flags: 0, data: Buffer.from(d) })),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map(stopCopySizeRecord),
  fc
    .tuple(fc.integer({ min: 2, max: 0xffff_ffff }), fc.uint8Array({ maxLength: 40 }))
    .map(([tag, d]) => ({ tag, flags: MigRecordFlag.OPTIONAL, data: Buffer.from(d) })),
);

async function resume(stream: Buffer, cuts: number[]) {
  const pf = fakePf();
  const file = new Mlx5ResumeFile(
    new VfTarget(pf, pf.vhcaId, '0000:08:00.2'),
    await PfMigMemory.open(pf, pf.dma, () => {}),
  );
  let at = 0;
  for (const c of [...cuts, stream.length]) {
    const end = Math.max(at, Math.min(c, stream.length));
    await file.write(stream.subarray(at, end));
    at = end;
  }
  return { pf, file };
}

describe('Mlx5ResumeFile', () => {
  it('loads the FW_DATA images of a stream in order however the writes cut it, and frees its memory', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 6 }),
        fc.array(fc.nat(2000), { maxLength: 8 }),
        async (records, cuts) => {
          const stream = Buffer.concat(records.map(encodeMigRecord));
          const { pf, file } = await resume(
            stream,
            cuts.sort((a, b) => a - b),
          );
          await file.load();
          const images = records.filter((r) => r.tag === MigTag.FW_DATA).map((r) => r.data);
          expect(pf.loaded).toEqual(images);
          await file.close();
          expect([pf.dma.mappings, pf.objects.mkey.size, pf.objects.pd.size]).toEqual([0, 0, 0]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a stream cut short anywhere inside a record loads nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        async (records, k) => {
          const stream = Buffer.concat(records.map(encodeMigRecord));
          const bounds = new Set<number>([0]);
          let at = 0;
          for (const r of records) {
            at += encodeMigRecord(r).length;
            bounds.add(at);
          }
          const cut = k % stream.length;
          fc.pre(!bounds.has(cut));
          const { pf, file } = await resume(stream.subarray(0, cut), []);
          await expect(file.load()).rejects.toSatisfy((e) => isAuxError(e, 'EINVAL'));
          expect(pf.loaded).toEqual([]);
          await file.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
