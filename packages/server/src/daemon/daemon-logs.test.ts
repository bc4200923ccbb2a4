import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_BYTES, daemonLogs, FLUSH_MS } from './daemon-logs.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
/** The built module, which a child process can import. */
const BUILT = pathToFileURL(join(here, '../../dist/daemon/daemon-logs.js')).href;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'auxctl-logs-'));
  dirs.push(d);
  return d;
}

async function lines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.length > 0);
}

describe('daemonLogs', () => {
  it('an idle line reaches the file without waiting for a full batch', async () => {
    const dir = await tempDir();
    const audit = join(dir, 'a', 'audit.log');
    const { auditLogger } = daemonLogs({ mainFile: join(dir, 'main.log'), auditFile: audit });
    auditLogger.info({ event: 'ctl.open' }, 'one line');
    // Bounded wait: the line goes out FLUSH_MS after it was written.
    for (let i = 0; i < 50 && (await lines(audit)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, FLUSH_MS));
    }
    const got = await lines(audit);
    expect(got).toHaveLength(1);
    expect(JSON.parse(got[0]!)).toMatchObject({ stream: 'audit', event: 'ctl.open' });
  });

  it('close writes what is batched at once and closes the files; later lines are dropped', async () => {
    const dir = await tempDir();
    const [main, audit] = [join(dir, 'main.log'), join(dir, 'audit.log')];
    const logs = daemonLogs({ mainFile: main, auditFile: audit });
    const exitHandlers = process.listenerCount('exit');
    logs.logger.info({ n: 1 }, 'main line');
    logs.auditLogger.info({ event: 'ctl.open' }, 'audit line');
    logs.close();
    expect(process.listenerCount('exit')).toBe(exitHandlers - 2);
    logs.auditLogger.info({ event: 'ctl.close' }, 'after close');
    expect((await lines(main)).map((l) => JSON.parse(l).msg)).toEqual(['main line']);
    expect((await lines(audit)).map((l) => JSON.parse(l).msg)).toEqual(['audit line']);
    logs.close(); // a second close is a no-op
  });

  it('a process that exits loses no line, batched or not (pino flushes at exit)', async () => {
    const dir = await tempDir();
    const audit = join(dir, 'audit.log');
    const main = join(dir, 'main.log');
    const n = Math.ceil((3 * BATCH_BYTES) / 60) + 7;
    const script = `
      const { daemonLogs } = await import(${JSON.stringify(BUILT)});
      const { logger, auditLogger } = daemonLogs({ mainFile: ${JSON.stringify(main)}, auditFile: ${JSON.stringify(audit)} });
      for (let i = 0; i < ${n}; i++) auditLogger.info({ i }, 'line');
      logger.info('done');
      process.exit(3);
    `;
    const exit = await run(process.execPath, ['--input-type=module', '-e', script]).then(
      () => 0,
      (e: { code?: number }) => e.code,
    );
    expect(exit).toBe(3);
    const got = (await lines(audit)).map((l) => (JSON.parse(l) as { i: number }).i);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await lines(main)).toHaveLength(1);
  });
});
