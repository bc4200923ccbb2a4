import { ExitCode } from '@auxctl/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nopRpc, type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// `auxctl fault` against a real auxctld: a fault armed remotely shows in the
// device's answers, and clearing it restores them.
const DEV = '0000:08:00.0';

describe('auxctl fault against auxctld', () => {
  let s: RunningServer;
  beforeAll(async () => {
    s = await startAuxctld();
  });
  afterAll(() => s.close());

  const nop = () => runCli(s, ['--json', ...nopRpc(DEV, 'debug_read_only')]);

  it('--status makes the next NOPs fail with that status; list and clear', async () => {
    const inj = await runCli(s, [
      '--json',
      'fault',
      'inject',
      DEV,
      '--status',
      '3',
      '--opcode',
      '0x80d',
      '--count',
      'all',
    ]);
    expect(inj.code).toBe(ExitCode.OK);
    expect(JSON.parse(inj.out)).toMatchObject({ device: DEV, injected: 'forceStatus' });
    const failed = await nop();
    expect(JSON.parse(failed.out)).toMatchObject({ status: 3 });
    expect(JSON.parse((await nop()).out)).toMatchObject({ status: 3 });
    const clear = await runCli(s, ['fault', 'clear', DEV]);
    expect(clear.code).toBe(ExitCode.OK);
    expect(clear.out).toBe(`cleared the faults of ${DEV}\n`);
    expect(JSON.parse((await nop()).out)).toMatchObject({ status: 0 });
  });

  it('--delay-ms is listed with its opcode name until cleared', async () => {
    const inj = await runCli(s, ['fault', 'inject', DEV, '--delay-ms', '5', '--opcode', '0x80d']);
    expect(inj.code).toBe(ExitCode.OK);
    expect(inj.out).toMatch(/^delay\s+0x080d\s+NOP\s+5 ms$/m);
    const listed = await runCli(s, ['--json', 'fault', 'list', DEV]);
    expect(JSON.parse(listed.out).armed).toEqual([
      { kind: 'delay', opcode: 0x80d, opcodeName: 'NOP', value: 5, untilCleared: false },
    ]);
    await runCli(s, ['fault', 'clear', DEV]);
    expect((await runCli(s, ['fault', 'list', DEV])).out).toBe('no transport faults armed\n');
  });

  it('names exactly one fault, and needs --opcode for per-command faults (nothing is sent)', async () => {
    const none = await runCli(s, ['fault', 'inject', DEV]);
    expect(none.code).toBe(ExitCode.USAGE);
    expect(none.err).toContain('name one fault');
    const two = await runCli(s, ['fault', 'inject', DEV, '--fatal', '--lose-completion']);
    expect(two.code).toBe(ExitCode.USAGE);
    const noOp = await runCli(s, ['fault', 'inject', DEV, '--lose-completion']);
    expect(noOp.code).toBe(ExitCode.USAGE);
    expect(noOp.err).toContain('needs --opcode');
    expect(JSON.parse((await nop()).out)).toMatchObject({ status: 0 });
  });
});
