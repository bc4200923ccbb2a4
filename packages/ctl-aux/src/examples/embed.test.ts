import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../test-support/rig.js';
import { runEmbedExample } from './embed.js';

describe('the embedding example', () => {
  it('runs with only core and ctl-aux and audits what it does', async () => {
    const audit = captureLog();
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
