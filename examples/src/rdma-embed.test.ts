import { describe, expect, it } from 'vitest';
import { runEmbedExample } from './rdma-embed.js';
import { readmeExample } from './test-support/readme-example.js';

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

  it('is the code the README shows, imports and all', () => {
    const { readme, imports, body } = readmeExample('rdma-aux', 'rdma-embed.ts');
    for (const line of imports) expect(readme).toContain(line);
    expect(readme).toContain(body);
  });
});
