/**
 * logs suite: the log and audit lines auxctld writes on every Exec — the
 * `call` line (main log), the `authz` and `ctl.rpc` lines (audit log) —
 * as the daemon writes them (core's LineWriter into daemonLogs' batched
 * files), next to the same records through pino's own path into pino's
 * own file destination (`pino.destination`, synchronous, appending): what
 * the daemon would pay with pino alone.
 *
 * Both sides write real files in a temporary directory, the values of a
 * real Exec's lines; the ratio is the median of interleaved rounds
 * (compareRates). Every line is counted: the files are read back at the
 * end and must hold each side's lines, no more and no fewer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineWriter } from '@auxctl/core';
import { type RpcLine, RpcLineWriter, rpcRecord } from '@auxctl/ctl-aux';
import { AUTHZ_LINE_KEYS, CALL_LINE_KEYS, daemonLogs } from '@auxctl/server';
import { pino } from 'pino';
import { compareRates, printTable, round, roundList, writeResults } from './harness.js';

const ROUNDS = 8;
/** Execs (three lines each) per timed batch. */
const PER_BATCH = 100;

const PRINCIPAL = 'spiffe://auxctl/admin';
const METHOD = 'auxctl.v1.CtlService/Exec';
const DEVICE = '0000:08:00.0';
const RULE = 'allow[0] matched, grants up to DEBUG_WRITE_FULL';

/** Values of one Exec's lines; the latency changes from call to call, as it does. */
function values(i: number): { call: unknown[]; authz: unknown[]; rpc: RpcLine } {
  return {
    call: [METHOD, PRINCIPAL, '127.0.0.1:53160', 'OK', 0.4 + (i % 100) / 1000, undefined],
    authz: ['authz', PRINCIPAL, METHOD, DEVICE, 'DEBUG_READ_ONLY', true, RULE],
    rpc: {
      origin: 'rpc',
      result: 'ok',
      opcode: 2061,
      opcodeName: 'NOP',
      opMod: 0,
      scope: 'DEBUG_READ_ONLY',
      status: 0,
      statusName: 'OK',
      syndrome: 0,
      inLen: 16,
      outLen: 16,
      latencyUs: 300 + (i % 50),
    },
  };
}

type ExecLines = ReturnType<typeof values>;

/** Side: one way of writing an Exec's three lines, counting the Execs it wrote. */
interface Side {
  execs: number;
  /** batch: PER_BATCH Execs' lines. */
  batch(): void;
  /** close: write what is held back and close the files (once). */
  close(): void;
}

function side(writeLines: (v: ExecLines) => void, closeFiles: () => void): Side {
  let open = true;
  return {
    execs: 0,
    batch() {
      for (let i = 0; i < PER_BATCH; i++) writeLines(values(this.execs + i));
      this.execs += PER_BATCH;
    },
    close() {
      if (open) closeFiles();
      open = false;
    },
  };
}

/** viaLineWriter: the daemon's path (daemonLogs' batched files, LineWriter). */
function viaLineWriter(dir: string): Side {
  const logs = daemonLogs({
    mainFile: join(dir, 'writer-main.log'),
    auditFile: join(dir, 'writer-audit.log'),
  });
  const { logger: main, auditLogger: audit } = logs;
  const rpcLog = audit.child({ principal: PRINCIPAL, device: DEVICE, uid: 1 });
  const call = LineWriter.forLogger(main, CALL_LINE_KEYS, ['call']);
  const authz = LineWriter.forLogger(audit, AUTHZ_LINE_KEYS, ['allowed']);
  const rpc = RpcLineWriter.forLogger(rpcLog, ['ctl rpc']);
  if (!call || !authz || !rpc) throw new Error("the daemon's loggers take no LineWriter");
  return side(
    (v) => {
      authz.write('info', v.authz, 'allowed');
      rpc.write('info', v.rpc, 'ctl rpc');
      call.write('info', v.call, 'call');
    },
    () => logs.close(),
  );
}

/** viaPino: the same records through pino's own path into pino's own file destination. */
function viaPino(dir: string): Side {
  const files = ['pino-main.log', 'pino-audit.log'].map((f) =>
    pino.destination({ dest: join(dir, f), sync: true, append: true }),
  );
  const main = pino({ base: { service: 'auxctld' } }, files[0]);
  const audit = pino({ base: { stream: 'audit' } }, files[1]);
  const rpcLog = audit.child({ principal: PRINCIPAL, device: DEVICE, uid: 1 });
  const record = (keys: readonly string[], vals: unknown[]) =>
    Object.fromEntries(keys.map((k, j) => [k, vals[j]]));
  return side(
    (v) => {
      audit.info(record(AUTHZ_LINE_KEYS, v.authz), 'allowed');
      rpcLog.info(rpcRecord(v.rpc), 'ctl rpc');
      main.info(record(CALL_LINE_KEYS, v.call), 'call');
    },
    () => {
      for (const f of files) f.end();
    },
  );
}

/** lineCount: the lines in the files of `dir` whose names start with `prefix`. */
function lineCount(dir: string, prefix: string): number {
  let n = 0;
  for (const f of ['main.log', 'audit.log']) {
    const text = readFileSync(join(dir, `${prefix}-${f}`), 'utf8');
    n += text.length === 0 ? 0 : text.split('\n').length - 1;
  }
  return n;
}

/** runLogs: measure and write bench/results/logs.json. */
export async function runLogs(ms: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'auxctl-bench-logs-'));
  const sides: Side[] = [];
  try {
    const writer = viaLineWriter(dir);
    sides.push(writer);
    const plain = viaPino(dir);
    sides.push(plain);
    const cmp = await compareRates(
      () => plain.batch(),
      () => writer.batch(),
      { perBatch: PER_BATCH, ms, rounds: ROUNDS },
    );
    writer.close();
    plain.close();
    // Every line of every Exec is in the files: three per Exec on each side.
    const [gotWriter, gotPino] = [lineCount(dir, 'writer'), lineCount(dir, 'pino')];
    if (gotWriter !== 3 * writer.execs || gotPino !== 3 * plain.execs) {
      throw new Error(
        `lines missing: daemon path ${gotWriter} of ${3 * writer.execs}, pino ${gotPino} of ${3 * plain.execs}`,
      );
    }
    const out = {
      exec_lines_us: round(1e6 / cmp.subjectPerSec, 2),
      pino_exec_lines_us: round(1e6 / cmp.baselinePerSec, 2),
      exec_lines_vs_pino_ratio: round(cmp.ratio, 3),
      exec_lines_round_ratios: roundList(cmp.roundRatios),
      exec_lines_rounds: ROUNDS,
      lines_checked: gotWriter + gotPino,
    };
    printTable('logs: the three lines of one Exec, daemon path vs pino alone', [
      {
        what: `call + authz + ctl.rpc lines per Exec (median of ${ROUNDS} rounds)`,
        value: `${out.exec_lines_us} µs`,
        baseline: `${out.pino_exec_lines_us} µs pino`,
        ratio: out.exec_lines_vs_pino_ratio,
      },
    ]);
    writeResults('logs', out);
    return out as unknown as Record<string, number>;
  } finally {
    for (const s of sides) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
