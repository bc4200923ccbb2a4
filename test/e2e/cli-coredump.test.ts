import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auxctlMain, ExitCode } from '@auxctl/client';
import {
  type CoredumpRequest,
  type CoredumpResponse,
  CtlServiceService,
  DumpMode,
} from '@auxctl/proto';
import { Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, memoryIo } from './cli-fixtures.js';

// A small CtlService that serves Coredump only (plaintext on loopback, so
// the CLI runs with --insecure): the CLI command is checked against the
// wire framing of DESIGN §5 independently of how a server captures dumps.
const DUMP = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7 + 3) & 0xff));
const CHUNK = 65_536;
/** Bound on the CLI process of the start-up test; it is killed by its pid past it. */
const PROCESS_DEADLINE_MS = 30_000;

/** A generated auxctl/v1 module's path, capturing its name. */
const GENERATED = /\/proto\/dist\/gen\/auxctl\/v1\/(\w+)\.js$/;

/**
 * generatedModulesLoaded: run the built CLI with `argv` as a process, with
 * node's ESM debug log on, and name the generated auxctl/v1 modules it
 * loaded. The log names every module the loader stores: a generated module
 * itself, or a chunk of the CLI's bundle, whose source map lists the
 * modules bundled into it.
 */
async function generatedModulesLoaded(
  argv: string[],
): Promise<{ code: number | null; loaded: string[] }> {
  const child = spawn(process.execPath, [CLI_BIN, ...argv], {
    env: { ...process.env, NODE_DEBUG: 'esm' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, PROCESS_DEADLINE_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const loaded = new Set<string>();
  const add = (path: string): void => {
    const name = GENERATED.exec(path)?.[1];
    if (name) loaded.add(name);
  };
  for (const [, url] of err.matchAll(/Storing (file:\/\/\S+\.js)/g)) {
    const path = fileURLToPath(url as string);
    add(path);
    if (!path.includes('/dist/bundle/')) continue;
    // Every chunk has a map but the bundler's own runtime, which bundles no module.
    const map = await readFile(`${path}.map`, 'utf8').catch(() => undefined);
    if (map === undefined) continue;
    for (const source of (JSON.parse(map) as { sources: string[] }).sources) {
      add(resolvePath(dirname(path), source));
    }
  }
  return { code, loaded: [...loaded].sort() };
}

interface FakeServer {
  address: string;
  requests: CoredumpRequest[];
  stop(): void;
}

async function startFake(sha = createHash('sha256').update(DUMP).digest()): Promise<FakeServer> {
  const requests: CoredumpRequest[] = [];
  const server = new Server();
  server.addService(CtlServiceService, {
    coredump(call: ServerWritableStream<CoredumpRequest, CoredumpResponse>) {
      requests.push(call.request);
      const from = call.request.resume?.offset ?? 0;
      const header = {
        dumpId: 'dump-1',
        size: DUMP.length,
        device: call.request.device,
        fwVersion: '22.41.1000',
        createdAt: new Date(0),
        chunkSize: CHUNK,
        offset: from,
        mode: DumpMode.DUMP_MODE_UMEM,
      };
      call.write({ frame: { $case: 'header', header } });
      for (let at = from; at < DUMP.length; at += CHUNK) {
        const data = DUMP.subarray(at, at + CHUNK);
        call.write({ frame: { $case: 'chunk', chunk: { offset: at, data } } });
      }
      call.write({ frame: { $case: 'trailer', trailer: { sha256: sha } } });
      call.end();
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    );
  });
  return { address: `127.0.0.1:${port}`, requests, stop: () => server.forceShutdown() };
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe('auxctl coredump against a Coredump stream', () => {
  let dir: string;
  const fakes: FakeServer[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-dump-'));
    fakes.push(await startFake(), await startFake(), await startFake(Buffer.alloc(32)));
  });
  afterAll(async () => {
    for (const f of fakes) f.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('saves the verified dump under the final name and reports its SHA-256', async () => {
    const [good] = fakes as [FakeServer];
    const file = join(dir, 'core.bin');
    const io = memoryIo({});
    const argv = ['--insecure', '--host', good.address, '--json', 'coredump', '0000:08:00.0'];
    expect(await auxctlMain([...argv, '-o', file, '--mode', 'inline'], io)).toBe(ExitCode.OK);
    expect((await readFile(file)).equals(DUMP)).toBe(true);
    expect(await exists(`${file}.part`)).toBe(false);
    const doc = JSON.parse(io.out) as { sha256: string; header: { dumpId: string; size: number } };
    expect(doc.sha256).toBe(createHash('sha256').update(DUMP).digest('hex'));
    expect(doc.header).toMatchObject({ dumpId: 'dump-1', size: DUMP.length });
    expect(good.requests.at(-1)).toMatchObject({
      device: '0000:08:00.0',
      mode: DumpMode.DUMP_MODE_INLINE,
    });
  });

  it('-o FILE that exists is refused (1, file untouched) without --force; --force replaces it', async () => {
    const [good] = fakes as [FakeServer];
    const file = join(dir, 'kept.bin');
    await writeFile(file, 'mine');
    const argv = ['--insecure', '--host', good.address, 'coredump', 'd', '-o', file];
    const io = memoryIo({});
    expect(await auxctlMain(argv, io)).toBe(ExitCode.USAGE);
    expect(io.err).toMatch(/exists.*--force/);
    expect(await readFile(file, 'utf8')).toBe('mine');
    expect(await auxctlMain([...argv, '--force'], memoryIo({}))).toBe(ExitCode.OK);
    expect((await readFile(file)).equals(DUMP)).toBe(true);
  });

  it('--help shows --mode with the default it applies (auto) and --force', async () => {
    const io = memoryIo({});
    expect(await auxctlMain(['coredump', '--help'], io)).toBe(ExitCode.OK);
    const text = io.out.replace(/\s+/g, ' ');
    expect(text).toMatch(/--mode <mode>[^-]*\(default: auto\)/);
    expect(text).toMatch(/--force/);
  });

  it('--resume with nothing to resume exits 4 (not found)', async () => {
    const [good] = fakes as [FakeServer];
    const io = memoryIo({});
    const file = join(dir, 'never.bin');
    const argv = ['--insecure', '--host', good.address, 'coredump', 'd', '-o', file, '--resume'];
    expect(await auxctlMain(argv, io)).toBe(ExitCode.NOT_FOUND);
    expect(io.err).toMatch(/nothing to resume/);
  });

  it('a SHA-256 mismatch exits 5 and never leaves a file under the final name', async () => {
    const bad = fakes[2] as FakeServer;
    const file = join(dir, 'bad.bin');
    const io = memoryIo({});
    const code = await auxctlMain(
      ['--insecure', '--host', bad.address, 'coredump', 'd', '-o', file],
      io,
    );
    expect(code).toBe(ExitCode.REMOTE);
    expect(io.err).toMatch(/SHA-256|sha256|hash/i);
    expect(await exists(file)).toBe(false);
  });

  it('fan-out writes DIR/<host>/FILE for every host with a per-host summary', async () => {
    const good = fakes.slice(0, 2);
    const io = memoryIo({});
    const hosts = good.map((f) => f.address).join(',');
    const out = join(dir, 'fleet', 'core.bin');
    const code = await auxctlMain(['--insecure', '--hosts', hosts, 'coredump', 'd', '-o', out], io);
    expect(code).toBe(ExitCode.OK);
    for (const f of good) {
      const path = join(dir, 'fleet', f.address.replace(':', '_'), 'core.bin');
      expect((await readFile(path)).equals(DUMP)).toBe(true);
      expect(io.out).toMatch(new RegExp(`${f.address.replace(/\./g, '\\.')}\\s+yes\\s+-`));
    }
  });

  it('the built CLI pulling a coredump loads the generated code of CtlService only', async () => {
    const [good] = fakes as [FakeServer];
    const file = join(dir, 'process.bin');
    const argv = ['--insecure', '--host', good.address, 'coredump', 'd', '-o', file];
    const run = await generatedModulesLoaded(argv);
    expect(run.code).toBe(ExitCode.OK);
    expect((await readFile(file)).equals(DUMP)).toBe(true);
    // CtlService and the messages it carries; none of the other six services.
    expect(run.loaded).toEqual(['ctl_service', 'dump', 'health', 'scope']);
  });
});
