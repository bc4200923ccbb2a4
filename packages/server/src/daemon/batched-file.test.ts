import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedFile } from './batched-file.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'auxctl-batch-'));
  dirs.push(d);
  return join(d, 'sub', 'log');
}

const text = (path: string) => readFile(path, 'utf8').catch(() => '');

describe('BatchedFile', () => {
  it('holds lines until a batch is full, then writes them in order in one go', async () => {
    const path = await tempFile();
    const f = BatchedFile.open(path, { batchBytes: 100, flushMs: 60_000 });
    const lines = Array.from({ length: 9 }, (_, i) => `line ${i} ${'x'.repeat(4)}\n`);
    for (const l of lines.slice(0, 8)) f.write(l);
    expect(await text(path)).toBe('');
    f.write(lines[8]!); // 9 x 12 chars > 100 > 8 x 12
    expect(await text(path)).toBe(lines.join(''));
    f.write('tail\n');
    f.close();
    expect(await text(path)).toBe(`${lines.join('')}tail\n`);
    expect(f.write('after close\n')).toBe(false);
  });

  it('writes a batch flushMs after its first line, and keeps no timer while nothing waits', async () => {
    const path = await tempFile();
    vi.useFakeTimers();
    try {
      const f = BatchedFile.open(path, { batchBytes: 1 << 20, flushMs: 100 });
      expect(vi.getTimerCount()).toBe(0);
      f.write('alone\n');
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersByTime(60);
      f.write('second\n'); // waits no longer than the first line of its batch
      vi.advanceTimersByTime(39);
      expect(readFileSync(path, 'utf8')).toBe('');
      vi.advanceTimersByTime(1);
      expect(readFileSync(path, 'utf8')).toBe('alone\nsecond\n');
      expect(vi.getTimerCount()).toBe(0);
      // A batch written early (flush) leaves no timer behind either.
      f.write('third\n');
      f.flush();
      expect(vi.getTimerCount()).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe('alone\nsecond\nthird\n');
      f.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('bytes a failed write kept are tried again flushMs later', async () => {
    const path = await tempFile();
    BatchedFile.open(path, { batchBytes: 1 << 20, flushMs: 100 }).close();
    const fd = openSync(path, 'r'); // not writable: EBADF
    vi.useFakeTimers();
    try {
      const f = BatchedFile.onDescriptor(fd, { batchBytes: 1 << 20, flushMs: 100 });
      f.write('kept\n');
      expect(() => f.flush()).toThrow(/EBADF/);
      expect(vi.getTimerCount()).toBe(1);
      expect(() => vi.advanceTimersByTime(100)).toThrow(/EBADF/);
      expect(vi.getTimerCount()).toBe(1);
      expect(() => f.close()).toThrow(/EBADF/);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
      closeSync(fd);
    }
  });

  it('a failed write throws and keeps the batch for the next flush', async () => {
    const path = await tempFile();
    const seed = BatchedFile.open(path, { batchBytes: 1 << 20, flushMs: 60_000 });
    seed.close();
    const fd = openSync(path, 'r'); // not writable: EBADF
    const f = BatchedFile.onDescriptor(fd, { batchBytes: 1 << 20, flushMs: 60_000 });
    f.write('kept\n');
    expect(() => f.flush()).toThrow(/EBADF/);
    expect(() => f.flush()).toThrow(/EBADF/);
    f.write('more\n');
    expect(() => f.close()).toThrow(/EBADF/);
    closeSync(fd);
    expect(await text(path)).toBe('');
  });

  it('writes any lines, of any size and characters, byte for byte and in order', async () => {
    const path = await tempFile();
    let want = '';
    const f = BatchedFile.open(path, { batchBytes: 64, flushMs: 60_000 });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ minLength: 100, maxLength: 900 })),
          {
            maxLength: 30,
          },
        ),
        (lines) => {
          for (const l of lines) {
            f.write(`${l}\n`);
            want += `${l}\n`;
          }
        },
      ),
      { numRuns: 50 },
    );
    f.close();
    expect(await text(path)).toBe(want);
  });

  it('after a failed write, the kept bytes go out first, unchanged by the lines that follow', async () => {
    const path = await tempFile();
    const seed = BatchedFile.open(path, { batchBytes: 1 << 20, flushMs: 60_000 });
    seed.close();
    const fd = openSync(path, 'r'); // not writable: EBADF
    const f = BatchedFile.onDescriptor(fd, { batchBytes: 1024, flushMs: 60_000 });
    f.write('first é\n');
    expect(() => f.flush()).toThrow(/EBADF/);
    f.write('ab\n'); // where the kept bytes were in the batch buffer
    // Grows the batch buffer (2 KiB) and, a full batch, is written at once: fails too.
    expect(() => f.write(`second ${'x'.repeat(5000)}\n`)).toThrow(/EBADF/);
    closeSync(fd);
    // The lowest free descriptor: the same number, now open for appending.
    const again = openSync(path, 'a');
    expect(again).toBe(fd);
    f.flush();
    f.close();
    closeSync(again);
    expect(await text(path)).toBe(`first é\nab\nsecond ${'x'.repeat(5000)}\n`);
  });
});
