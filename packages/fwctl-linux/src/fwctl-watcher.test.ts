import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FwctlWatcher } from './fwctl-watcher.js';
import type { FwctlDeviceEntry } from './sysfs-discovery.js';
import { buildSysfsTree, removeFromSysfsTree } from './testing/sysfs-tree.js';

let root: string;
let watchers: FwctlWatcher[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fwctl-watch-'));
});
afterEach(async () => {
  await Promise.all(watchers.map((w) => w.close()));
  watchers = [];
  await rm(root, { recursive: true, force: true });
});

function watcher(intervalMs = 10_000): { w: FwctlWatcher; events: string[] } {
  const w = new FwctlWatcher({ sysfsRoot: root, devRoot: '/d', intervalMs });
  watchers.push(w);
  const events: string[] = [];
  w.on('added', (e) => events.push(`+${e.name}@${e.pci}`));
  w.on('removed', (e) => events.push(`-${e.name}@${e.pci}`));
  return { w, events };
}

/** next: the next `event` of `w`; the bound only keeps a broken watcher from hanging the run. */
function next(w: FwctlWatcher, event: 'added' | 'removed'): Promise<FwctlDeviceEntry> {
  return new Promise((resolve, reject) => {
    const bound = setTimeout(() => reject(new Error(`no ${event} event`)), 10_000);
    const once = (e: FwctlDeviceEntry) => {
      clearTimeout(bound);
      w.off(event, once);
      resolve(e);
    };
    w.on(event, once);
  });
}

const dev = (n: number, fn: number) => ({
  fwctl: `fwctl${n}`,
  pci: `0000:08:00.${fn}`,
  driver: 'mlx5_core',
  aux: [],
});

describe('FwctlWatcher', () => {
  it('reports devices present at start as added, then changes on each scan', async () => {
    await buildSysfsTree(root, [dev(0, 0)]);
    const { w, events } = watcher();
    w.start();
    await w.scan();
    expect(events).toEqual(['+fwctl0@0000:08:00.0']);
    await buildSysfsTree(root, [dev(1, 1)]);
    await w.scan();
    expect(events).toEqual(['+fwctl0@0000:08:00.0', '+fwctl1@0000:08:00.1']);
    await removeFromSysfsTree(root, 'fwctl0');
    await w.scan();
    expect(events.slice(2)).toEqual(['-fwctl0@0000:08:00.0']);
    expect(w.devices.map((e) => e.name)).toEqual(['fwctl1']);
  });

  it('a name that returns on another function is removed and added', async () => {
    await buildSysfsTree(root, [dev(0, 0)]);
    const { w, events } = watcher();
    await w.scan();
    await removeFromSysfsTree(root, 'fwctl0');
    await buildSysfsTree(root, [dev(0, 1)]);
    await w.scan();
    expect(events).toEqual([
      '+fwctl0@0000:08:00.0',
      '-fwctl0@0000:08:00.0',
      '+fwctl0@0000:08:00.1',
    ]);
  });

  it('polls by itself: a device plugged in and out is seen without a scan() call', async () => {
    const { w } = watcher(10);
    const first = next(w, 'added');
    w.start();
    await buildSysfsTree(root, [dev(3, 2)]);
    expect((await first).devnode).toBe('/d/fwctl/fwctl3');
    const gone = next(w, 'removed');
    await removeFromSysfsTree(root, 'fwctl3');
    expect((await gone).name).toBe('fwctl3');
  });

  it('close: no event afterwards, even from a scan asked for later', async () => {
    const { w, events } = watcher(10);
    w.start();
    await w.close();
    await buildSysfsTree(root, [dev(0, 0)]);
    await w.scan();
    w.start();
    expect(events).toEqual([]);
  });

  it('scan errors and throwing listeners go to error listeners; polling goes on', async () => {
    await mkdir(join(root, 'class'), { recursive: true });
    await writeFile(join(root, 'class/fwctl'), '');
    const { w } = watcher();
    const errors: unknown[] = [];
    w.on('error', (e) => errors.push(e));
    await w.scan();
    expect(isAuxError(errors[0], 'EIO')).toBe(true);
    await rm(join(root, 'class/fwctl'));
    await buildSysfsTree(root, [dev(0, 0)]);
    w.on('added', () => {
      throw new Error('listener bug');
    });
    await w.scan();
    expect((errors[1] as Error).message).toBe('listener bug');
    expect(w.devices).toHaveLength(1);
  });

  it('refuses an interval outside 10 ms..1 h', () => {
    for (const intervalMs of [0, 9, 3_600_001, 1.5]) {
      expect(() => new FwctlWatcher({ intervalMs })).toThrow(/intervalMs/);
    }
  });
});
