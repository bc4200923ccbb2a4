import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CORE_HEALTH_DEFAULTS } from '@auxctl/core';
import { buildSysfsTree } from '@auxctl/fwctl-linux/testing';
import { DEFAULT_CRDUMP_SIZE } from '@auxctl/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mintBearer } from '../security/index.js';
import { SERVER_DEFAULTS } from '../server-options.js';
import { SIM_DEFAULT_VFS } from '../sources/sim/sim-source.js';
import { shellWord } from './start-banner.js';

// auxctld as a user runs it: the built daemon as its own process (npm test
// builds before it tests). Every process started here is killed by pid.
const BIN = fileURLToPath(new URL('../../bin/auxctld.js', import.meta.url));
const run = promisify(execFile);
const children: ChildProcess[] = [];
const pids: number[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'auxctld-proc-'));
  dirs.push(d);
  return d;
}

/**
 * start: auxctld with `args` (or, with `tty`, `script` running it on a pseudo-terminal);
 * resolves its output so far once `ready` matches it (15 s bound).
 */
function start(
  args: string[],
  ready: RegExp,
  tty = false,
): Promise<{ child: ChildProcess; out: () => string }> {
  const child = tty
    ? spawn(
        'script',
        [
          '-qefc',
          `echo auxctld-pid=$$; exec ${[process.execPath, BIN, ...args].map(shellWord).join(' ')}`,
          '/dev/null',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
    : spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`auxctld did not print ${ready}:\n${out}`)),
      15_000,
    );
    const check = (): void => {
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    };
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      // Under script, the daemon is script's child: afterEach kills it by this pid.
      const pid = /auxctld-pid=(\d+)/.exec(out)?.[1];
      if (tty && pid !== undefined && !pids.includes(Number(pid))) pids.push(Number(pid));
      check();
    });
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`auxctld exited ${code}:\n${out}`));
    });
  });
}

function connectLine(out: string): { hint: string; address: string } {
  const line = out.split('\n').find((l) => l.includes('"connect with"'));
  if (!line) throw new Error(`no "connect with" line in:\n${out}`);
  return JSON.parse(line);
}

describe('auxctld as a process', () => {
  it('--help shows every server setting with its default', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    for (const flag of [
      '--bearer-key',
      '--bearer-algorithms',
      '--rate <n>',
      '--rate-burst',
      '--sessions-per-principal',
      '--sessions <n>',
      '--max-in-flight',
      '--max-message-kib',
      '--umem-mib-per-context',
      '--exec-context-idle',
      '--streams-per-connection',
      '--log-format',
    ]) {
      expect(stdout, flag).toContain(flag);
    }
    // The defaults shown are the server's own.
    const { limits, dumps } = SERVER_DEFAULTS;
    const shown: [string, number | string][] = [
      ['devices', SERVER_DEFAULTS.devices],
      ['drain-timeout', SERVER_DEFAULTS.drainTimeoutMs],
      ['exec-context-idle', SERVER_DEFAULTS.execContextIdleMs],
      ['rate', limits.ratePerSec],
      ['rate-burst', limits.rateBurst],
      ['sessions-per-principal', limits.sessionsPerPrincipal],
      ['sessions', limits.sessionsTotal],
      ['max-in-flight', limits.maxInFlight],
      ['max-message-kib', limits.maxMessageBytes / 1024],
      ['umem-mib-per-context', limits.umemBytesPerContext / 2 ** 20],
      ['streams-per-connection', limits.streamsPerConnection],
      ['streams-per-principal', limits.streamsPerPrincipal],
      ['max-concurrent-streams', limits.maxConcurrentStreams],
      ['dump-store-mib', dumps.storeBytes / 2 ** 20],
      ['dump-max-age', dumps.maxAgeMs / 1000],
      ['dumps', dumps.concurrent],
      ['dumps-per-principal', dumps.concurrentPerPrincipal],
      ['health-interval', CORE_HEALTH_DEFAULTS.intervalMs],
      ['health-misses', CORE_HEALTH_DEFAULTS.maxMisses],
      ['recover-grace', CORE_HEALTH_DEFAULTS.gracePeriodMs],
      ['sim-vfs', SIM_DEFAULT_VFS],
      ['sim-crdump-size', DEFAULT_CRDUMP_SIZE],
      ['sim-latency', '"none"'],
    ];
    const flat = stdout.replace(/\s+/g, ' ');
    for (const [flag, value] of shown) {
      expect(flat, flag).toMatch(
        new RegExp(` --${flag} <\\w+> ((?! --).)*\\(default: ${value}\\)`),
      );
    }
    // Every option but --help says what happens when it is not given.
    const options = stdout.split('\n  --').slice(1);
    for (const text of options) {
      if (text.startsWith('insecure') || text.startsWith('help')) continue;
      expect(text.replace(/\s+/g, ' '), text).toMatch(/\(default: |default: /);
    }
  });

  it('a bad value is refused with the accepted range, before anything starts', async () => {
    const err = await run(process.execPath, [
      BIN,
      '--rate',
      '0',
      '--state-dir',
      await tempDir(),
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain("option '--rate <n>' argument '0' is invalid");
    expect(err?.stderr).toContain('must be an integer 1..2147483647');
  });

  it('a flag that needs another one is refused without it, before anything starts', async () => {
    const state = join(await tempDir(), 'state');
    for (const [args, message] of [
      [['--bearer-issuer', 'ops'], '--bearer-issuer needs --bearer-key'],
      [['--anonymous-principal', 'guest'], '--anonymous-principal needs --insecure'],
    ] as const) {
      const err = await run(
        process.execPath,
        [BIN, ...args, '--state-dir', state, '--listen', '127.0.0.1:0'],
        { timeout: 15_000, killSignal: 'SIGKILL' },
      ).then(
        () => undefined,
        (e: { code: number | null; stderr: string }) => e,
      );
      expect(err?.code, message).toBe(1);
      expect(err?.stderr).toContain(message);
    }
    expect(existsSync(state)).toBe(false);
  });

  it('off a terminal it logs JSON lines, and its connect hint runs this auxctl from any directory', async () => {
    const state = join(await tempDir(), 'state');
    const { out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--devices', '1'],
      /"connect with"/,
    );
    for (const line of out().trim().split('\n')) expect(() => JSON.parse(line), line).not.toThrow();
    const { hint, address } = connectLine(out());
    expect(hint).not.toMatch(/\bnpx\b/);
    expect(hint).toMatch(/^AUXCTL_STATE_DIR=\S+ node \/\S+\/bin\/auxctl\.js --host /);
    expect(hint).toContain(address);
    const { stdout } = await run('sh', ['-c', `${hint} --json`], { cwd: tmpdir() });
    expect(JSON.parse(stdout).devices).toEqual([expect.objectContaining({ name: '0000:08:00.0' })]);
  });

  it('on a terminal it prints readable lines and the start banner, and drains on SIGTERM', async () => {
    const state = join(await tempDir(), 'state');
    const { child, out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--devices', '1'],
      /Ctrl-C drains/,
      true,
    );
    const text = out().replaceAll('\r\n', '\n');
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening address=127\.0\.0\.1:\d+/m);
    expect(text).not.toContain('{"level"');
    expect(text).toMatch(/auxctld is running\n {2}listening +127\.0\.0\.1:\d+ \(mutual TLS\)/);
    expect(text).toMatch(/Connect with:\n {2}AUXCTL_STATE_DIR=\S+ node \/\S+auxctl\.js --host /);
    // The daemon itself (script's child) is stopped by its pid, as a user's Ctrl-C would.
    const pid = Number(/auxctld-pid=(\d+)/.exec(text)?.[1]);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    process.kill(pid, 'SIGTERM');
    expect(await exited).toBe(0);
    expect(out()).toMatch(/INFO {2}stopped/);
  });

  it('--log-format pretty prints readable lines and a start banner with the command to run', async () => {
    const state = join(await tempDir(), 'state');
    const { out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--devices', '1', '--log-format', 'pretty'],
      /Ctrl-C drains/,
    );
    const text = out();
    expect(text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}listening address=127\.0\.0\.1:\d+/m);
    expect(text).not.toContain('{"level"');
    expect(text).toContain('auxctld is running');
    expect(text).toMatch(
      /Connect with:\n {2}AUXCTL_STATE_DIR=\S+ node \/\S+auxctl\.js --host 127\.0\.0\.1:\d+ devices/,
    );
  });

  it("--sim-crdump-size sets the simulated devices' core dump size", async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const { out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--devices', '1'].concat([
        '--sim-crdump-size',
        '4096',
        '--sim-latency',
        'hardware',
      ]),
      /"connect with"/,
    );
    const { hint } = connectLine(out());
    const file = join(dir, 'dump.bin');
    await run('sh', ['-c', hint.replace(/ devices$/, ` coredump 0000:08:00.0 -o ${file}`)]);
    expect((await stat(file)).size).toBe(4096);
  });

  it("--sim-wire-listen / --sim-wire-connect cable two daemons' first PFs together", async () => {
    const dir = await tempDir();
    const common = ['--listen', '127.0.0.1:0', '--devices', '1'];
    const a = await start(
      ['--state-dir', join(dir, 'a'), ...common, '--sim-wire-listen', '127.0.0.1:0'],
      /"connect with"/,
    );
    const wire = /"wire":"([^"]+)","msg":"simulated cable listening"/.exec(a.out())?.[1];
    expect(wire).toMatch(/^127\.0\.0\.1:\d+$/);
    const b = await start(
      ['--state-dir', join(dir, 'b'), ...common, '--sim-wire-connect', wire as string],
      /"connect with"/,
    );
    const paos = async (out: string): Promise<number> => {
      const { hint } = connectLine(out);
      const cmd = hint.replace(/ devices$/, ' reg 0000:08:00.0 --id PAOS --json');
      const { stdout } = await run('sh', ['-c', cmd]);
      return (JSON.parse(stdout) as { fields: { oper_status: number } }).fields.oper_status;
    };
    // PAOS oper_status: 1 up, 2 down.
    await vi.waitFor(async () => expect(await paos(a.out())).toBe(1), { timeout: 10_000 });
    expect(await paos(b.out())).toBe(1);
    b.child.kill('SIGKILL');
    await vi.waitFor(async () => expect(await paos(a.out())).toBe(2), { timeout: 10_000 });
  });

  it('--bearer-key turns bearer tokens on: a token for the admin principal lists the devices', async () => {
    const dir = await tempDir();
    const secret = 'auxctld-process-test-secret-of-32+bytes';
    await writeFile(join(dir, 'secret'), `${secret}\n`);
    const state = join(dir, 'state');
    const { out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--devices', '1'].concat([
        '--bearer-key',
        join(dir, 'secret'),
        '--bearer-audience',
        'auxctld',
      ]),
      /"connect with"/,
    );
    const { hint } = connectLine(out());
    const token = await mintBearer({
      key: { secret },
      alg: 'HS256',
      sub: 'spiffe://auxctl/admin',
      audience: 'auxctld',
      ttlSec: 60,
    });
    // client.json's admin certificate is left out: the token alone must do.
    const cli = hint.replace(/^AUXCTL_STATE_DIR=\S+ /, '').replace(/ devices$/, '');
    const { stdout } = await run(
      'sh',
      ['-c', `${cli} --ca ${join(state, 'ca.pem')} --token "$T" devices --json`],
      { env: { ...process.env, T: token, AUXCTL_STATE_DIR: join(dir, 'nowhere') } },
    );
    expect(JSON.parse(stdout).devices).toHaveLength(1);
  });

  it('--source fwctl serves the devices a sysfs tree shows, through the real ioctl path', async () => {
    const dir = await tempDir();
    const pci = '0000:3b:00.0';
    await buildSysfsTree(join(dir, 'sys'), [
      {
        fwctl: 'fwctl0',
        pci,
        driver: 'mlx5_core',
        aux: [{ name: 'mlx5_core.eth.0', driver: 'mlx5_core.eth' }],
      },
    ]);
    const fn = join(dir, 'sys', 'devices', 'pci0000:00', pci);
    await writeFile(join(fn, 'vendor'), '0x15b3\n');
    await writeFile(join(fn, 'device'), '0x101d\n');
    // The device node is a plain file: open(2) works, FWCTL_INFO gets ENOTTY from the kernel.
    await mkdir(join(dir, 'dev', 'fwctl'), { recursive: true });
    await writeFile(join(dir, 'dev', 'fwctl', 'fwctl0'), '');
    await mkdir(join(dir, 'proc', 'sys', 'kernel'), { recursive: true });
    await writeFile(join(dir, 'proc', 'sys', 'kernel', 'tainted'), '0\n');
    const state = join(dir, 'state');
    const { out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--source', 'fwctl'].concat([
        '--fwctl-sysfs-root',
        join(dir, 'sys'),
        '--fwctl-dev-root',
        join(dir, 'dev'),
        '--fwctl-proc-root',
        join(dir, 'proc'),
      ]),
      /"connect with"/,
    );
    const { hint } = connectLine(out());
    const cli = hint.replace(/ devices$/, '');
    const { stdout } = await run('sh', ['-c', `${cli} devices --json`]);
    const doc = JSON.parse(stdout) as {
      devices: { name: string; identity: unknown; auxDevices: { name: string }[] }[];
    };
    expect(doc.devices[0]?.identity).toMatchObject({ vendorId: 0x15b3, deviceId: 0x101d });
    expect(doc.devices.map((d) => d.name)).toEqual([pci]);
    expect(doc.devices[0]?.auxDevices.map((a) => a.name)).toEqual(['mlx5_core.eth.0']);
    const info = await run('sh', ['-c', `${cli} info ${pci}`]).then(
      () => undefined,
      (e: { stderr: string }) => e.stderr,
    );
    expect(info).toMatch(/FAILED_PRECONDITION.*FWCTL_INFO.*ENOTTY/s);
  });

  it('--fwctl-kernel-double serves the fwctl source without the hardware, end to end', async () => {
    const dir = await tempDir();
    const state = join(dir, 'state');
    const { child, out } = await start(
      ['--state-dir', state, '--listen', '127.0.0.1:0', '--source', 'fwctl'].concat([
        '--fwctl-kernel-double',
        '2',
      ]),
      /"connect with"/,
    );
    expect(out()).toMatch(/kernel double over simulated firmware/);
    const cli = connectLine(out()).hint.replace(/ devices$/, '');
    const { stdout } = await run('sh', ['-c', `${cli} devices --json`]);
    const names = (JSON.parse(stdout) as { devices: { name: string }[] }).devices.map(
      (d) => d.name,
    );
    expect(names).toHaveLength(2);
    const info = JSON.parse((await run('sh', ['-c', `${cli} info ${names[0]} --json`])).stdout);
    expect(info.uid).toBeGreaterThan(0);
    const nop = '080d0000000000000000000000000000';
    const rpc = await run('sh', [
      '-c',
      `${cli} rpc ${names[0]} --scope debug_read_only --in ${nop} --out-len 16 --json`,
    ]);
    expect(JSON.parse(rpc.stdout)).toMatchObject({ status: 0, statusName: 'OK' });
    // umem: the fwctl source says why it has none.
    const umem = await run('sh', [
      '-c',
      `${cli} coredump ${names[0]} --mode umem -o ${join(dir, 'c')}`,
    ]).then(
      () => '',
      (e: { stderr: string }) => e.stderr,
    );
    expect(umem).toMatch(/UNIMPLEMENTED.*no user memory registration/);
    // Stopped, the daemon removes the double's sysfs, dev and proc trees.
    const sysfs = /"sysfsRoot":"([^"]+)","msg":"serving fwctl devices/.exec(out())?.[1] as string;
    expect(existsSync(sysfs)).toBe(true);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(dirname(sysfs))).toBe(false);
  });
});
