import { describe, expect, it } from 'vitest';
import { main } from './cli-program.js';
import { ExitCode } from './exit-codes.js';
import { parseSegmentType, rscdumpSource } from './rscdump-command.js';
import { memoryIo } from './test-support/memory-io.js';

describe('rscdump arguments', () => {
  it('asks for the menu unless a segment is named by name or type', () => {
    expect(rscdumpSource('d', {})).toEqual({ kind: 'resourceDump', request: { device: 'd' } });
    expect(rscdumpSource('d', { segment: 'FULL_QPC' }).request).toMatchObject({
      segment: { $case: 'segmentName', segmentName: 'FULL_QPC' },
    });
    expect(rscdumpSource('d', { type: 0x1000 }).request).toMatchObject({
      segment: { $case: 'segmentType', segmentType: 0x1000 },
    });
    expect(parseSegmentType('0x1000')).toBe(0x1000);
    expect(() => parseSegmentType('0x10000')).toThrow();
  });

  it('conflicting flags are usage errors and nothing is sent', async () => {
    const io = memoryIo();
    const argv = ['--insecure', '--host', '127.0.0.1:1', 'rscdump', 'd'];
    expect(await main([...argv, '--segment', 'FULL_QPC', '--type', '1'], io)).toBe(ExitCode.USAGE);
    expect(io.err).toMatch(/not both/);
    const io2 = memoryIo();
    expect(await main([...argv, '--resume'], io2)).toBe(ExitCode.USAGE);
    expect(io2.err).toMatch(/-o FILE/);
  });
});
