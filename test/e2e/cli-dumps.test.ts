import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ExitCode } from '@auxctl/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type MemoryIo,
  memoryIo,
  type RunningServer,
  runCli,
  startAuxctld,
} from './cli-fixtures.js';

// The dump commands of auxctl against a real auxctld (mutual TLS, its
// simulated devices): files, hashes, resume and register decoding are
// checked against what the server itself holds.

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** interruptingTerminal: a terminal-like progress stream that fires `onDraw` at its first write. */
function interruptingTerminal(onDraw: () => void): NodeJS.WritableStream {
  let drawn = false;
  const w = new Writable({
    write(_chunk, _enc, cb) {
      if (!drawn) {
        drawn = true;
        onDraw();
      }
      cb();
    },
  });
  return Object.assign(w, { isTTY: true, columns: 80 });
}

describe('auxctl dump and register commands against a real auxctld', () => {
  let s: RunningServer;
  let dir: string;
  let dev: string;

  /** storedDump: the bytes and SHA-256 the server's dump store holds for `dumpId`. */
  async function storedDump(dumpId: string): Promise<{ data: Buffer; sha256: string }> {
    const store = (s.servers[0] as (typeof s.servers)[0]).dumps.store;
    const parts: Buffer[] = [];
    for await (const c of store.read(dumpId)) parts.push(c.data);
    return { data: Buffer.concat(parts), sha256: store.get(dumpId).sha256 };
  }

  beforeAll(async () => {
    // A coredump of several chunks (the server's default chunk is 1 MiB), so one can be cut.
    s = await startAuxctld(undefined, 1, { crdumpSize: 4 * 1024 * 1024 });
    dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-dumps-'));
    const r = await runCli(s, ['devices', '--json']);
    dev = (JSON.parse(r.out) as { devices: { name: string }[] }).devices[0]?.name as string;
  });
  afterAll(async () => {
    await s?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('coredump -o FILE: the file hashes to the trailer and to the dump the server keeps', async () => {
    const file = join(dir, 'core.bin');
    const r = await runCli(s, ['--json', 'coredump', dev, '-o', file]);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as { sha256: string; header: { dumpId: string; size: string } };
    const data = await readFile(file);
    expect(sha256(data)).toBe(doc.sha256);
    expect(data.length).toBe(Number(doc.header.size));
    const stored = await storedDump(doc.header.dumpId);
    expect(stored.sha256).toBe(doc.sha256);
    expect(stored.data.equals(data)).toBe(true);
    expect(await exists(`${file}.part`)).toBe(false);
  });

  it('an interrupted coredump keeps FILE.part; --resume completes it with the right hash', async () => {
    const file = join(dir, 'resumed.bin');
    const controller = new AbortController();
    const io: MemoryIo = {
      ...memoryIo({ AUXCTL_STATE_DIR: s.stateDir }, controller.signal),
      isTTY: true,
      progressStream: interruptingTerminal(() => controller.abort()),
    };
    // memoryIo's writers close over the object they built; keep them pointing at `io`.
    io.stdout = (t) => {
      io.out += t;
    };
    io.stderr = (t) => {
      io.err += t;
    };
    const cut = await runCli(s, ['coredump', dev, '-o', file], io);
    expect(cut.code).toBe(ExitCode.REMOTE);
    expect(cut.err).toMatch(/--resume/);
    expect(await exists(file)).toBe(false);
    expect(await exists(`${file}.part`)).toBe(true);
    const sidecar = JSON.parse(await readFile(`${file}.part.json`, 'utf8')) as {
      dumpId: string;
      size: number;
    };
    const kept = (await stat(`${file}.part`)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(sidecar.size);

    const resumed = await runCli(s, ['--json', 'coredump', dev, '-o', file, '--resume']);
    expect(resumed.code).toBe(ExitCode.OK);
    const doc = JSON.parse(resumed.out) as { sha256: string; resumedFrom: number };
    expect(doc.resumedFrom).toBe(kept);
    const data = await readFile(file);
    const stored = await storedDump(sidecar.dumpId);
    expect(sha256(data)).toBe(stored.sha256);
    expect(doc.sha256).toBe(stored.sha256);
    expect(await exists(`${file}.part`)).toBe(false);
    expect(await exists(`${file}.part.json`)).toBe(false);
  });

  it('reg --id PPCNT --json returns the IEEE 802.3 counters as decimal strings', async () => {
    const r = await runCli(s, ['--json', 'reg', dev, '--id', 'PPCNT', '--port', '1']);
    expect(r.code).toBe(ExitCode.OK);
    const counters = JSON.parse(r.out) as Record<string, string>;
    expect(Object.keys(counters)).toHaveLength(19);
    expect(Object.keys(counters)[0]).toBe('a_frames_transmitted_ok');
    expect(counters).toHaveProperty('a_pause_mac_ctrl_frames_transmitted');
    for (const v of Object.values(counters)) expect(v).toMatch(/^\d+$/);
    const text = await runCli(s, ['reg', dev, '--id', 'ppcnt', '--group', 'rfc_2863']);
    expect(text.code).toBe(ExitCode.OK);
    expect(text.out).toMatch(/^if_in_octets\s+\d+$/m);
  });

  it('reg with an unknown register id is a usage error and sends nothing', async () => {
    const r = await runCli(s, ['reg', dev, '--id', 'PMAOS']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toMatch(/unknown register/);
  });

  it('rscdump -o FILE saves the menu; the summary lists its segments', async () => {
    const file = join(dir, 'menu.bin');
    const r = await runCli(s, ['--json', 'rscdump', dev, '-o', file]);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as { sha256: string; header: { dumpId: string } };
    const data = await readFile(file);
    expect(sha256(data)).toBe(doc.sha256);
    expect((await storedDump(doc.header.dumpId)).sha256).toBe(doc.sha256);

    const summary = await runCli(s, ['--json', 'rscdump', dev]);
    expect(summary.code).toBe(ExitCode.OK);
    const menu = JSON.parse(summary.out) as {
      menu: { segmentName: string; segmentType: number }[];
    };
    expect(menu.menu).toContainEqual(
      expect.objectContaining({ segmentName: 'FULL_QPC', segmentType: 0x1000 }),
    );
    const qpc = await runCli(s, ['rscdump', dev, '--segment', 'FULL_QPC']);
    expect(qpc.code).toBe(ExitCode.OK);
    expect(qpc.out).toMatch(/^TYPE\s+SEGMENTS$/m);
    expect(qpc.out).toMatch(/^SEGMENTS +how many segments of that type/m);
    // The menu's columns are explained under the table, with how to use each.
    const text = await runCli(s, ['rscdump', dev]);
    expect(text.out).toMatch(/^SEGMENT\s+TYPE\s+INDEX1\s+INDEX2$/m);
    expect(text.out).toMatch(/^SEGMENT +the segment's name: dump it with --segment NAME$/m);
    expect(text.out).toMatch(/^INDEX1 +what the first index selects/m);
  });

  it('diagcnt lists the counter ids of the debug capability', async () => {
    const r = await runCli(s, ['--json', 'diagcnt', dev]);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as { counters: { counterId: number; sync: boolean }[] };
    const ids = doc.counters.map((c) => c.counterId);
    expect(ids).toContain(0x0401);
    expect(new Set(ids).size).toBe(ids.length);
    const text = await runCli(s, ['diagcnt', dev]);
    expect(text.out).toMatch(/^0x0401\b/m);
  });

  it('diagcnt --set / --query / --disable drive the sampler; refusals name the status and the fix', async () => {
    // The second device: a debug write taints it, and the other tests use the first.
    const devs = JSON.parse((await runCli(s, ['devices', '--json'])).out) as {
      devices: { name: string; taintReasons?: string[] }[];
    };
    const d = devs.devices[1]?.name as string;
    expect(devs.devices[1]?.taintReasons ?? []).toEqual([]);

    const off = await runCli(s, ['diagcnt', d, '--query']);
    expect(off.code).toBe(ExitCode.REMOTE);
    expect(off.err).toMatch(/sampling is off.*--set/);

    const unknown = await runCli(s, ['diagcnt', d, '--set', '0x7777']);
    expect(unknown.code).toBe(ExitCode.REMOTE);
    expect(unknown.err).toMatch(/SET_DIAGNOSTIC_PARAMS failed: status BAD_PARAM/);
    expect((await runCli(s, ['diagcnt', d, '--set', '0x401', '--query'])).code).toBe(
      ExitCode.USAGE,
    );
    expect((await runCli(s, ['diagcnt', d, '--set', '0x401,0x401'])).code).toBe(ExitCode.USAGE);

    const set = await runCli(s, [
      '--json',
      'diagcnt',
      d,
      '--set',
      '0x401,0x406',
      '--log-samples',
      '2',
    ]);
    expect(set.code).toBe(ExitCode.OK);
    expect(JSON.parse(set.out)).toMatchObject({
      enabled: true,
      mode: 'on_demand',
      counterIds: [0x401, 0x406],
      logNumOfSamples: 2,
    });
    const tainted = JSON.parse((await runCli(s, ['devices', d, '--json'])).out);
    expect(tainted.devices[0].taintReasons.length).toBeGreaterThan(0);

    type Doc = {
      params: { enabled: boolean; counterIds: number[] };
      samples: { sampleId: number; counterId: number; value: string }[];
    };
    const read = async (): Promise<Doc> => {
      const r = await runCli(s, ['--json', 'diagcnt', d, '--query']);
      expect(r.code, r.err).toBe(ExitCode.OK);
      return JSON.parse(r.out) as Doc;
    };
    // on_demand: each query adds one sample of both counters to the 4-sample buffer.
    const first = await read();
    expect(first.params).toMatchObject({ enabled: true, counterIds: [0x401, 0x406] });
    expect(first.samples.map((x) => x.counterId)).toEqual([0x401, 0x406]);
    await read();
    const third = await read();
    expect(third.samples).toHaveLength(6);
    const rx = third.samples.filter((x) => x.counterId === 0x406).map((x) => BigInt(x.value));
    expect([...rx].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(rx);
    expect(rx[2]).toBeGreaterThan(rx[0] as bigint); // rx 128B data counts commands too
    const ids = third.samples.filter((x) => x.counterId === 0x401).map((x) => x.sampleId);
    expect(ids).toEqual([ids[0], (ids[0] as number) + 1, (ids[0] as number) + 2]);

    const text = await runCli(s, ['diagcnt', d, '--query', '--index', '1', '--samples', '2']);
    expect(text.code).toBe(ExitCode.OK);
    expect(text.out).toMatch(/^SAMPLE\s+COUNTER\s+TIMESTAMP\s+VALUE$/m);
    expect(text.out).toMatch(/^\d+\s+0x0406\s+\d+\s+\d+$/m);
    const outside = await runCli(s, ['diagcnt', d, '--query', '--index', '3', '--samples', '2']);
    expect(outside.code).toBe(ExitCode.REMOTE);
    expect(outside.err).toMatch(/buffer holds 4 samples/);
    const past = await runCli(s, ['diagcnt', d, '--query', '--index', '4']);
    expect(past.code).toBe(ExitCode.USAGE);
    expect(past.err).toMatch(/past the 4-sample buffer/);

    expect((await runCli(s, ['diagcnt', d, '--disable'])).code).toBe(ExitCode.OK);
    expect((await runCli(s, ['diagcnt', d, '--query'])).code).toBe(ExitCode.REMOTE);
  });

  it('diagcnt --set all samples every offered counter periodically (single mode)', async () => {
    const devs = JSON.parse((await runCli(s, ['devices', '--json'])).out) as {
      devices: { name: string }[];
    };
    const d = devs.devices[1]?.name as string;
    const offered = JSON.parse((await runCli(s, ['--json', 'diagcnt', d])).out) as {
      counters: { counterId: number }[];
      limits: { logMaxSamples: number; logMinSamplePeriod: number };
    };
    expect(offered.limits.logMaxSamples).toBeGreaterThan(0);
    const set = await runCli(s, [
      '--json',
      'diagcnt',
      d,
      '--set',
      'all',
      '--mode',
      'single',
      '--log-samples',
      '1',
    ]);
    expect(set.code, set.err).toBe(ExitCode.OK);
    expect(JSON.parse(set.out).logSamplePeriod).toBe(offered.limits.logMinSamplePeriod);
    // 2^1 samples, one every 2^min clocks: full within milliseconds of device time.
    let doc: { samples: { counterId: number }[] } = { samples: [] };
    for (let i = 0; i < 50 && doc.samples.length < 2 * offered.counters.length; i++) {
      await new Promise((r) => setTimeout(r, 20));
      doc = JSON.parse((await runCli(s, ['--json', 'diagcnt', d, '--query'])).out);
    }
    expect(doc.samples).toHaveLength(2 * offered.counters.length);
    expect(new Set(doc.samples.map((x) => x.counterId))).toEqual(
      new Set(offered.counters.map((c) => c.counterId)),
    );
    expect((await runCli(s, ['diagcnt', d, '--disable'])).code).toBe(ExitCode.OK);
  });
});
