import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CoredumpRequest,
  type CoredumpResponse,
  CtlServiceService,
  DumpMode,
} from '@auxctl/proto';
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DumpProgress } from './dump-download.js';
import { grpcError, startTestServer, type TestServer } from './test-support/test-server.js';

const CHUNK = 64 * 1024;
const DUMP = randomBytes(5 * CHUNK + 1234);
const DUMP_ID = 'crdump-42';
const SHA = createHash('sha256').update(DUMP).digest();

type Call = ServerWritableStream<CoredumpRequest, CoredumpResponse>;

interface Behaviour {
  /** breakAfterChunks: send this many chunks, then fail the stream (a broken transfer). */
  breakAfterChunks?: number;
  /** sha256: the trailer's hash (default the right one). */
  sha256?: Buffer;
}

/** coredumpServer: serves DUMP, records each request, behaves per call as `plan` says. */
function coredumpServer(plan: Behaviour[]) {
  const requests: CoredumpRequest[] = [];
  const handlers = {
    async coredump(call: Call) {
      requests.push(call.request);
      const b = plan[requests.length - 1] ?? {};
      const resume = call.request.resume;
      if (resume && resume.dumpId !== DUMP_ID) {
        call.emit('error', grpcError(status.NOT_FOUND, `no stored dump ${resume.dumpId}`));
        return;
      }
      const start = resume?.offset ?? 0;
      call.write({
        frame: {
          $case: 'header',
          header: {
            dumpId: DUMP_ID,
            size: DUMP.length,
            device: call.request.device,
            fwVersion: '22.41.1000',
            createdAt: new Date(0),
            chunkSize: CHUNK,
            offset: start,
            mode: DumpMode.DUMP_MODE_UMEM,
          },
        },
      });
      let sent = 0;
      for (let offset = start; offset < DUMP.length; offset += CHUNK) {
        if (b.breakAfterChunks !== undefined && sent === b.breakAfterChunks) {
          call.emit('error', grpcError(status.UNAVAILABLE, 'connection reset mid-dump'));
          return;
        }
        const data = DUMP.subarray(offset, offset + CHUNK);
        if (!call.write({ frame: { $case: 'chunk', chunk: { offset, data } } })) {
          await new Promise((r) => call.once('drain', r));
        }
        sent++;
      }
      call.write({ frame: { $case: 'trailer', trailer: { sha256: b.sha256 ?? SHA } } });
      call.end();
    },
  };
  return { requests, binding: { definition: CtlServiceService, handlers } };
}

let running: TestServer | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auxctl-dump-'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

const source = { kind: 'coredump' as const, request: { device: '0000:08:00.0' } };

describe('downloadDump', () => {
  it('downloads, verifies and renames; progress ends at the total', async () => {
    const { binding } = coredumpServer([{}]);
    running = await startTestServer([binding]);
    const file = join(dir, 'crdump.bin');
    const progress: DumpProgress[] = [];
    const result = await running.client.downloadDump(source, {
      file,
      onProgress: (p) => progress.push(p),
    });
    expect((await readFile(file)).equals(DUMP)).toBe(true);
    expect(result).toMatchObject({
      sha256: SHA.toString('hex'),
      resumedFrom: 0,
      header: { dumpId: DUMP_ID },
    });
    expect(progress.at(-1)).toEqual({ done: DUMP.length, total: DUMP.length });
    expect(
      progress.every((p, i) => i === 0 || p.done >= (progress[i - 1] as DumpProgress).done),
    ).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(existsSync(`${file}.part.json`)).toBe(false);
  });

  it('an interrupted transfer keeps .part and its dump id; resume completes it and the hash matches', async () => {
    const { requests, binding } = coredumpServer([{ breakAfterChunks: 2 }, {}]);
    running = await startTestServer([binding]);
    const file = join(dir, 'crdump.bin');
    await expect(running.client.downloadDump(source, { file })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: 'connection reset mid-dump',
    });
    expect(existsSync(file)).toBe(false);
    const part = await readFile(`${file}.part`);
    expect(part.equals(DUMP.subarray(0, 2 * CHUNK))).toBe(true);
    const sidecar = JSON.parse(await readFile(`${file}.part.json`, 'utf8'));
    expect(sidecar).toMatchObject({ dumpId: DUMP_ID, size: DUMP.length, kind: 'coredump' });

    const result = await running.client.downloadDump(source, { file, resume: true });
    expect(requests[1]?.resume).toEqual({ dumpId: DUMP_ID, offset: 2 * CHUNK });
    expect(result.resumedFrom).toBe(2 * CHUNK);
    expect(result.sha256).toBe(SHA.toString('hex'));
    const whole = await readFile(file);
    expect(whole.equals(DUMP)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(existsSync(`${file}.part.json`)).toBe(false);
  });

  it('a wrong trailer hash fails, never produces the final file, and cannot be resumed', async () => {
    const { binding } = coredumpServer([{ sha256: Buffer.alloc(32, 0xab) }]);
    running = await startTestServer([binding]);
    const file = join(dir, 'crdump.bin');
    await expect(running.client.downloadDump(source, { file })).rejects.toMatchObject({
      code: 'EBADMSG',
    });
    expect(existsSync(file)).toBe(false);
    expect((await readFile(`${file}.part`)).equals(DUMP)).toBe(true);
    expect(existsSync(`${file}.part.json`)).toBe(false);
    await expect(running.client.downloadDump(source, { file, resume: true })).rejects.toMatchObject(
      {
        code: 'ENOENT',
      },
    );
  });

  it('a resume whose part file was corrupted fails the hash of the whole file', async () => {
    const { binding } = coredumpServer([{ breakAfterChunks: 1 }, {}]);
    running = await startTestServer([binding]);
    const file = join(dir, 'crdump.bin');
    await expect(running.client.downloadDump(source, { file })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    const bad = Buffer.from(DUMP.subarray(0, CHUNK));
    bad[100] = (bad[100] as number) ^ 0xff;
    await writeFile(`${file}.part`, bad);
    await expect(running.client.downloadDump(source, { file, resume: true })).rejects.toMatchObject(
      {
        code: 'EBADMSG',
      },
    );
    expect(existsSync(file)).toBe(false);
  });

  it('resume without a part file says there is nothing to resume', async () => {
    const { requests, binding } = coredumpServer([]);
    running = await startTestServer([binding]);
    await expect(
      running.client.downloadDump(source, { file: join(dir, 'none.bin'), resume: true }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    expect(requests).toHaveLength(0);
  });
});
