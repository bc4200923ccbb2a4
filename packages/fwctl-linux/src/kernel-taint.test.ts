import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTaintMask, readKernelTaint, TAINT_FWCTL_BIT, taintOf } from './kernel-taint.js';

let proc: string;
beforeEach(async () => {
  proc = await mkdtemp(join(tmpdir(), 'fwctl-proc-'));
  await mkdir(join(proc, 'sys/kernel'), { recursive: true });
});
afterEach(async () => {
  await rm(proc, { recursive: true, force: true });
});

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('readKernelTaint', () => {
  it('reads the mask of a fake /proc and tells the fwctl bit (19, J)', async () => {
    expect(TAINT_FWCTL_BIT).toBe(19);
    await writeFile(join(proc, 'sys/kernel/tainted'), `${(1 << 19) | (1 << 12)}\n`);
    expect(await readKernelTaint(proc)).toEqual({ mask: 528384n, fwctl: true });
    await writeFile(join(proc, 'sys/kernel/tainted'), '4096\n');
    expect(await readKernelTaint(proc)).toEqual({ mask: 4096n, fwctl: false });
  });

  it('parses the real /proc', async () => {
    const t = await readKernelTaint();
    expect(t.mask).toBeGreaterThanOrEqual(0n);
    expect(t).toEqual(taintOf(t.mask));
  });

  it('a missing file is ENOENT, garbage is EINVAL', async () => {
    expect(
      isAuxError(await readKernelTaint(join(proc, 'x')).catch((e: unknown) => e), 'ENOENT'),
    ).toBe(true);
    await writeFile(join(proc, 'sys/kernel/tainted'), 'J\n');
    expect(isAuxError(await readKernelTaint(proc).catch((e: unknown) => e), 'EINVAL')).toBe(true);
  });
});

describe('parseTaintMask', () => {
  it('round-trips every u64 as the kernel prints it; fwctl is bit 19', () => {
    fc.assert(
      fc.property(u64, fc.boolean(), (mask, newline) => {
        expect(parseTaintMask(`${mask}${newline ? '\n' : ''}`)).toBe(mask);
        expect(taintOf(mask).fwctl).toBe((mask & (1n << 19n)) !== 0n);
      }),
    );
  });

  it('refuses anything but one decimal u64', () => {
    const bad = fc.oneof(
      fc.string().filter((s) => !/^[0-9]{1,20}\n?$/.test(s)),
      fc.bigInt({ min: 1n << 64n, max: (1n << 66n) - 1n }).map(String),
      fc.constantFrom('', '\n', '-1', '0x10', ' 1', '1\n\n', '1 2'),
    );
    fc.assert(
      fc.property(bad, (text) => {
        expect(() => parseTaintMask(text)).toThrow(/expected a decimal mask/);
      }),
    );
  });
});
