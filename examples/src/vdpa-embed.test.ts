import { VirtioStatus as S } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { readmeExample } from './test-support/readme-example.js';
import { runEmbedExample } from './vdpa-embed.js';

describe('the vdpa embedding example', () => {
  it('runs virtio-net on an SF and carries its frames to a vhost-vdpa user on another SF', async () => {
    const r = await runEmbedExample();
    expect(r.mgmtdevs).toEqual(['auxiliary/mlx5_core.sf.0', 'auxiliary/mlx5_core.sf.1']);
    expect(r.status).toBe(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
    expect(r.sent).toBe(4);
    expect(r.received).toBe(4);
    expect(r.matched).toBe(4);
    expect(r.firmwareQueuesAfter).toBe(0);
  });

  it('is the code the README shows, imports and all', () => {
    const { readme, imports, body } = readmeExample('vdpa-aux', 'vdpa-embed.ts');
    for (const line of imports) expect(readme).toContain(line);
    expect(readme).toContain(body);
  });
});
