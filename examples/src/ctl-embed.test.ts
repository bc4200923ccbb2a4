import { captureLog } from '@auxctl/core/testing';
import { describe, expect, it } from 'vitest';
import { runEmbedExample } from './ctl-embed.js';
import { readmeExample } from './test-support/readme-example.js';

describe('the embedding example', () => {
  it('runs with only core and ctl-aux and audits what it does', async () => {
    const audit = captureLog('info');
    const r = await runEmbedExample(audit.log);
    expect(r.devices).toEqual([expect.stringMatching(/^mlx5ctl-mlx5_core\.ctl\.\d+$/)]);
    expect(r.uctxCap).toBe(0x4);
    expect(r.nopStatus).toBe(0);
    expect(r.dumpBytes).toBe(831_304);
    expect(r.dumpSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof r.framesTransmitted).toBe('bigint');
    expect(audit.lines.some((l) => l.opcode_name === 'NOP' && l.principal === 'svc')).toBe(true);
    expect(audit.lines.at(-1)).toMatchObject({ event: 'ctl.close', reason: 'closed' });
  });

  it('is the code the README shows, imports and all', () => {
    const { readme, imports, body } = readmeExample('ctl-aux', 'ctl-embed.ts');
    for (const line of imports) expect(readme).toContain(line);
    expect(readme).toContain(body);
  });
});
