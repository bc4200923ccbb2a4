import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runEmbedExample } from './embed.js';

describe('the embedding example', () => {
  it('moves data with SEND, WRITE and READ between two devices and leaves nothing behind', async () => {
    const r = await runEmbedExample();
    expect(r.devices).toEqual(['mlx5_0', 'mlx5_1']);
    expect(r.uids.every((u) => u > 0)).toBe(true);
    expect(r.completions).toEqual([
      'SEND SUCCESS 13',
      'RDMA_WRITE SUCCESS 4096',
      'RDMA_READ SUCCESS 12',
      'RECV SUCCESS 13',
    ]);
    expect(r.received).toBe('hello over RC');
    expect(r.writeLanded).toBe(true);
    expect(r.readBack).toBe('read me back');
    expect(r.objectsLeft).toBe(0);
  });

  it('is the code the README shows', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('./embed.ts', import.meta.url), 'utf8');
    const start = source.indexOf('/** EmbedReport');
    const fn = source.indexOf('export async function runEmbedExample');
    const body = source.slice(start, source.indexOf('\n}\n', fn) + 2);
    expect(start).toBeGreaterThan(0);
    expect(fn).toBeGreaterThan(start);
    expect(readme).toContain(body);
  });
});
