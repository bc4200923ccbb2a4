/**
 * captureLog: a pino logger whose lines land, parsed, in `lines`, so a test
 * can assert what a component logged (and an audit stream what it audited).
 * Never used outside tests.
 */
import { pino } from 'pino';
import type { Logger } from '../log.js';

/** CapturedLine: one parsed log line. */
export interface CapturedLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** captureLog: the logger (at `level`, default debug) and the lines it wrote so far. */
export function captureLog(level: pino.LevelWithSilent = 'debug'): {
  log: Logger;
  lines: CapturedLine[];
} {
  const lines: CapturedLine[] = [];
  const log = pino({ level }, { write: (s: string) => lines.push(JSON.parse(s) as CapturedLine) });
  return { log, lines };
}
