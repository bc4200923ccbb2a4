import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devlinkCoredump, parseCrdump } from './devlink-coredump.js';

const PCI = '0000:08:00.0';

describe('parseCrdump', () => {
  it('joins the byte chunks under crdump_data, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.boolean(),
        (chunks, nested) => {
          const data = chunks.map((c) => [...c]);
          const doc = nested ? { dump: { crdump_data: data } } : { crdump_data: data };
          const got = parseCrdump(JSON.stringify(doc), 1 << 20);
          expect(got).toEqual(Buffer.concat(chunks.map((c) => Buffer.from(c))));
        },
      ),
    );
  });

  it('refuses what is not a dump of bytes, and a dump over the limit', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constant('{}'),
          fc.constant('{"crdump_data": [[256]]}'),
          fc.constant('{"crdump_data": [[-1]]}'),
          fc.constant('{"crdump_data": [["1"]]}'),
          fc.constant('{"crdump_data": 5}'),
        ),
        (text) => {
          expect(() => parseCrdump(text, 1 << 20)).toThrow(
            expect.objectContaining({ code: 'EIO' }),
          );
        },
      ),
    );
    expect(() => parseCrdump('{"crdump_data":[[1,2,3]]}', 2)).toThrow(
      expect.objectContaining({ code: 'EMSGSIZE' }),
    );
  });
});

describe('devlinkCoredump', () => {
  let dir: string;
  let fake: string;
  let args: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-devlink-'));
    fake = join(dir, 'devlink');
    args = join(dir, 'args');
    // A devlink that records its arguments and prints a two-chunk dump.
    await writeFile(
      fake,
      `#!/bin/sh\necho "$@" > ${JSON.stringify(args)}\necho '{"crdump_data":[[1,2],[3]]}'\n`,
    );
    await chmod(fake, 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the fw_fatal reporter dump of the PCI function', async () => {
    const data = await devlinkCoredump(PCI, { path: fake }).take(new AbortController().signal);
    expect([...data]).toEqual([1, 2, 3]);
    const { readFile } = await import('node:fs/promises');
    expect((await readFile(args, 'utf8')).trim()).toBe(
      `-j health dump show pci/${PCI} reporter fw_fatal`,
    );
  });

  it('says devlink is missing with ENOPKG (FAILED_PRECONDITION)', async () => {
    const take = devlinkCoredump(PCI, { path: join(dir, 'no-such-devlink') }).take;
    await expect(take(new AbortController().signal)).rejects.toMatchObject({
      code: 'ENOPKG',
      message: expect.stringContaining('install iproute2'),
    });
  });

  it('refuses a device name that is not a PCI address without running anything', async () => {
    await expect(
      devlinkCoredump('mlx5_core.sf.2', { path: fake }).take(new AbortController().signal),
    ).rejects.toMatchObject({ code: 'EINVAL' });
  });
});
