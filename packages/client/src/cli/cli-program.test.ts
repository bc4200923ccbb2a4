import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandNameOf, main } from './cli-program.js';
import { ExitCode } from './exit-codes.js';
import { memoryIo } from './test-support/memory-io.js';

describe('auxctl main: arguments', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-'));
    // An empty state dir: no client.json, so nothing leaks in from the real home.
    env = { AUXCTL_STATE_DIR: dir };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('--help exits 0 and documents every command and exit code', async () => {
    const io = memoryIo(env);
    expect(await main(['--help'], io)).toBe(ExitCode.OK);
    for (const word of [
      'devices',
      'health',
      'info',
      'cap',
      'rpc',
      'coredump',
      'watch',
      '6  fan-out',
    ]) {
      expect(io.out).toContain(word);
    }
  });

  it('--version prints the client package version and exits 0', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const io = memoryIo(env);
      expect(await main([flag], io)).toBe(ExitCode.OK);
      expect(io.out.trim()).toBe(pkg.version);
    }
  });

  it('no arguments, unknown commands, missing or bad arguments are usage errors (1)', async () => {
    const cases = [
      [],
      ['frobnicate'],
      ['health'],
      ['rpc', 'dev', '--scope', 'configuration', '--in', '00'.repeat(16)],
      ['rpc', 'dev', '--scope', 'root', '--in', '00'.repeat(16), '--out-len', '16'],
      ['rpc', 'dev', '--scope', 'configuration', '--in', 'xyz', '--out-len', '16'],
      ['rpc', 'dev', '--scope', 'configuration', '--in', '00'.repeat(16), '--out-len', '8'],
      ['cap', 'dev', '--mode', 'min'],
      ['coredump', 'dev'],
      ['--concurrency', '0', 'devices'],
      ['--hosts', 'a,,b', 'devices'],
    ];
    for (const argv of cases) {
      const io = memoryIo(env);
      expect(await main(argv, io), argv.join(' ')).toBe(ExitCode.USAGE);
      expect(io.err.length, argv.join(' ')).toBeGreaterThan(0);
    }
  });

  it('--host with --hosts, watch with --hosts, and an empty hosts file are usage errors', async () => {
    const hostsFile = join(dir, 'hosts');
    await writeFile(hostsFile, '# nobody\n\n');
    const cases = [
      ['--host', 'a', '--hosts', 'b', 'devices'],
      ['--hosts', 'a,b', 'watch'],
      ['--hosts-file', hostsFile, 'devices'],
      ['--hosts-file', join(dir, 'missing'), 'devices'],
    ];
    for (const argv of cases) {
      const io = memoryIo(env);
      expect(await main(argv, io), argv.join(' ')).toBe(ExitCode.USAGE);
      expect(io.out).toBe('');
    }
  });

  it('no connection settings anywhere is a connection error (2) that says where to give them', async () => {
    const io = memoryIo(env);
    expect(await main(['devices'], io)).toBe(ExitCode.CONNECTION);
    expect(io.err).toMatch(/AUXCTL_HOST/);
  });

  it('--json puts every error on stdout as one JSON object, with the same exit code', async () => {
    const cases: [string[], number][] = [
      [['--json', 'devices'], ExitCode.CONNECTION],
      [['devices', '--json'], ExitCode.CONNECTION],
      [['--json', 'rpc', 'mlx5_0'], ExitCode.USAGE],
      [['--json', 'no-such-command'], ExitCode.USAGE],
      [['--json', 'watch', '--hosts', 'a,b'], ExitCode.USAGE],
      [['--json', 'rscdump', 'mlx5_0', '--resume'], ExitCode.USAGE],
    ];
    for (const [argv, code] of cases) {
      const io = memoryIo(env);
      expect(await main(argv, io), argv.join(' ')).toBe(code);
      const doc = JSON.parse(io.out) as {
        error: { code: string; exitCode: number; message: string };
      };
      expect(doc.error.exitCode, argv.join(' ')).toBe(code);
      expect(doc.error.message.length, argv.join(' ')).toBeGreaterThan(0);
      expect(typeof doc.error.code).toBe('string');
    }
  });

  it('--help of a command marks each required option (required)', async () => {
    const cases: [string, string[]][] = [
      ['rpc', ['--scope', '--in', '--out-len']],
      ['coredump', ['--output']],
      ['reg', ['--id']],
    ];
    for (const [command, flags] of cases) {
      const io = memoryIo(env);
      expect(await main([command, '--help'], io)).toBe(ExitCode.OK);
      for (const flag of flags) {
        // One option's entry, with the lines its description wraps onto.
        const entry = new RegExp(`${flag} <[^]*?(?=\\n {2}-|\\n\\n|$)`).exec(io.out)?.[0];
        expect(entry?.replace(/\s+/g, ' '), `${command} ${flag}`).toMatch(/\(required\)/);
      }
      const optional = io.out.split('\n').find((l) => l.includes('--json'));
      expect(optional ?? '').not.toMatch(/\(required\)/);
    }
  });

  it('rpc --out-len: the bound in --help is the one the error states', async () => {
    const help = memoryIo(env);
    expect(await main(['rpc', '--help'], help)).toBe(ExitCode.OK);
    const shown = /--out-len <bytes>[^(]*\((\d+)\.\.(\d+)\)/.exec(help.out.replace(/\s+/g, ' '));
    expect(shown).not.toBeNull();
    const io = memoryIo(env);
    const argv = ['rpc', 'mlx5_0', '--scope', 'configuration', '--in', '00'.repeat(16)];
    expect(await main([...argv, '--out-len', '999999999'], io)).toBe(ExitCode.USAGE);
    const stated = /from (\d+) to (\d+)/.exec(io.err);
    expect(stated?.slice(1)).toEqual(shown?.slice(1));
  });

  it('an error names the command the user ran, not the library call behind it', async () => {
    const cases: [string[], string][] = [
      [['devices'], 'auxctl devices: '],
      [
        ['rpc', 'mlx5_0', '--scope', 'configuration', '--in', '00'.repeat(16), '--out-len', '16'],
        'auxctl rpc: ',
      ],
      [['sf', 'list', 'mlx5_0'], 'auxctl sf list: '],
    ];
    for (const [argv, prefix] of cases) {
      const io = memoryIo(env);
      expect(await main(['--insecure', '--host', '127.0.0.1:1', ...argv], io)).toBe(
        ExitCode.CONNECTION,
      );
      expect(io.err.startsWith(prefix), io.err).toBe(true);
      expect(io.err).not.toMatch(/\b(Exec|ListDevices|ListPortFunctions|[A-Z][a-z]+[A-Z]\w*) on /);
    }
  });

  it('coredump --help shows --mode with the default it applies (auto) and --force', async () => {
    const io = memoryIo(env);
    expect(await main(['coredump', '--help'], io)).toBe(ExitCode.OK);
    const text = io.out.replace(/\s+/g, ' ');
    expect(text).toMatch(/--mode <mode>[^-]*\(default: auto\)/);
    expect(text).toMatch(/--force/);
  });

  it('commandNameOf finds the command past options and the values they take', () => {
    const program = new Command()
      .option('--host <host>')
      .option('-c, --ca <file>')
      .option('--json');
    expect(commandNameOf(program, ['--host', 'coredump', '--json', 'devices', 'x'])).toBe(
      'devices',
    );
    expect(commandNameOf(program, ['-c', 'info', 'rpc'])).toBe('rpc');
    expect(commandNameOf(program, ['--host=coredump', 'sf'])).toBe('sf');
    expect(commandNameOf(program, ['--json'])).toBeUndefined();
    expect(commandNameOf(program, ['--json', '--', 'devices'])).toBeUndefined();
  });

  it('a run loads only the command it names, and a mistyped one still gets a suggestion', async () => {
    const io = memoryIo(env);
    expect(await main(['--host', 'watch', 'coredump', '--help'], io)).toBe(ExitCode.OK);
    expect(io.out).toContain('Usage: auxctl coredump');
    const typo = memoryIo(env);
    expect(await main(['coredum'], typo)).toBe(ExitCode.USAGE);
    expect(typo.err).toContain('coredump');
  });

  it('global flags are read after the command too', async () => {
    const io = memoryIo(env);
    expect(await main(['devices', '--hosts', 'a,,b'], io)).toBe(ExitCode.USAGE);
  });

  it('fan-out over unreachable hosts: every host reported, exit 6, JSON per host', async () => {
    const io = memoryIo(env);
    const hosts = '127.0.0.1:1,127.0.0.1:2';
    expect(await main(['--insecure', '--hosts', hosts, '--json', 'devices'], io)).toBe(
      ExitCode.PARTIAL,
    );
    const doc = JSON.parse(io.out) as {
      hosts: { host: string; ok: boolean; error: { exitCode: number } }[];
    };
    expect(doc.hosts.map((h) => [h.host, h.ok, h.error.exitCode])).toEqual([
      ['127.0.0.1:1', false, ExitCode.CONNECTION],
      ['127.0.0.1:2', false, ExitCode.CONNECTION],
    ]);

    const text = memoryIo(env);
    expect(await main(['--insecure', '--hosts', hosts, 'devices'], text)).toBe(ExitCode.PARTIAL);
    expect(text.out).toMatch(/== 127\.0\.0\.1:1 ==/);
    expect(text.out).toMatch(/HOST\s+OK\s+ERROR\n127\.0\.0\.1:1\s+no\s+UNAVAILABLE \(exit 2\)/);
  });
});
