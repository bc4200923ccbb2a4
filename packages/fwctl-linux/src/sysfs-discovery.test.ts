import { mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverFwctl, parseFwctlName } from './sysfs-discovery.js';
import { buildSysfsTree, removeFromSysfsTree } from './testing/sysfs-tree.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fwctl-sysfs-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const MLX5 = {
  fwctl: 'fwctl0',
  pci: '0000:08:00.0',
  driver: 'mlx5_core',
  aux: [
    { name: 'mlx5_core.eth.0', driver: 'mlx5_core.eth' },
    { name: 'mlx5_core.fwctl.0', driver: 'mlx5_fwctl' },
    { name: 'mlx5_core.rdma.0' },
  ],
};

describe('discoverFwctl', () => {
  it('reads parent, driver and aux devices of each fwctl device, by number', async () => {
    await buildSysfsTree(root, [
      { fwctl: 'fwctl10', pci: '0000:09:00.0', aux: [] },
      MLX5,
      {
        fwctl: 'fwctl2',
        pci: '0000:08:00.1',
        driver: 'mlx5_core',
        aux: [{ name: 'mlx5_core.eth.1' }],
      },
    ]);
    const found = await discoverFwctl({ sysfsRoot: root, devRoot: '/devroot' });
    expect(found.map((e) => e.name)).toEqual(['fwctl0', 'fwctl2', 'fwctl10']);
    expect(found[0]).toEqual({
      name: 'fwctl0',
      devnode: '/devroot/fwctl/fwctl0',
      pci: '0000:08:00.0',
      driver: 'mlx5_core',
      aux: [
        { name: 'mlx5_core.eth.0', driver: 'mlx5_core.eth' },
        { name: 'mlx5_core.fwctl.0', driver: 'mlx5_fwctl' },
        { name: 'mlx5_core.rdma.0', driver: undefined },
      ],
    });
    expect(found[1]?.aux).toEqual([{ name: 'mlx5_core.eth.1', driver: undefined }]);
    expect(found[2]).toMatchObject({ pci: '0000:09:00.0', driver: undefined, aux: [] });
  });

  it('the tree has the kernel layout: class entries link into the PCI function', async () => {
    await buildSysfsTree(root, [MLX5]);
    expect(await readlink(join(root, 'class/fwctl/fwctl0'))).toBe(
      '../../devices/pci0000:00/0000:08:00.0/fwctl/fwctl0',
    );
    expect(await readlink(join(root, 'bus/auxiliary/devices/mlx5_core.eth.0'))).toBe(
      '../../../devices/pci0000:00/0000:08:00.0/mlx5_core.eth.0',
    );
    expect(await readlink(join(root, 'devices/pci0000:00/0000:08:00.0/driver'))).toBe(
      '../../../bus/pci/drivers/mlx5_core',
    );
  });

  it('[] without the fwctl class; entries that are not fwctlN or that vanished are left out', async () => {
    expect(await discoverFwctl({ sysfsRoot: root })).toEqual([]);
    await buildSysfsTree(root, [MLX5]);
    await mkdir(join(root, 'class/fwctl/fwctl01'));
    await writeFile(join(root, 'class/fwctl/uevent'), '');
    await symlink('../../devices/gone/fwctl/fwctl3', join(root, 'class/fwctl/fwctl3'));
    expect((await discoverFwctl({ sysfsRoot: root })).map((e) => e.name)).toEqual(['fwctl0']);
    await removeFromSysfsTree(root, 'fwctl0');
    expect(await discoverFwctl({ sysfsRoot: root })).toEqual([]);
  });

  it('an unreadable class directory is an AuxError, not a crash', async () => {
    await mkdir(join(root, 'class'), { recursive: true });
    await writeFile(join(root, 'class/fwctl'), 'not a directory');
    const err = await discoverFwctl({ sysfsRoot: root }).catch((e: unknown) => e);
    expect(isAuxError(err, 'EIO')).toBe(true);
    expect((err as Error).message).toContain('ENOTDIR');
  });

  it("reads this machine's /sys without error (fwctl devices or none), device nodes in /dev", async () => {
    const found = await discoverFwctl();
    expect(Array.isArray(found)).toBe(true);
    for (const e of found) expect(e.devnode).toBe(`/dev/fwctl/${e.name}`);
  });

  it('buildSysfsTree refuses names that are not one path component', async () => {
    for (const bad of ['', '..', 'a/b']) {
      const err = await buildSysfsTree(root, [{ ...MLX5, pci: bad }]).catch((e: unknown) => e);
      expect(isAuxError(err, 'EINVAL')).toBe(true);
    }
  });
});

describe('parseFwctlName', () => {
  it('accepts exactly fwctlN with N in canonical decimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (n) => {
        expect(parseFwctlName(`fwctl${n}`)).toBe(n);
        expect(parseFwctlName(`fwctl0${n}`)).toBeUndefined();
        expect(parseFwctlName(`fwctl${n} `)).toBeUndefined();
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const n = parseFwctlName(s);
        if (n !== undefined) expect(s).toBe(`fwctl${n}`);
      }),
    );
  });
});
