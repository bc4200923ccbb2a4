/** captureLog: a debug-level pino logger whose lines land in `lines` (parsed). */
import { pino } from 'pino';
import type { Logger } from '../../log.js';

/** CapturedLine: one parsed log line. */
export interface CapturedLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** captureLog: the logger and the lines it wrote so far. */
export function captureLog(): { log: Logger; lines: CapturedLine[] } {
  const lines: CapturedLine[] = [];
  const log = pino(
    { level: 'debug' },
    { write: (s: string) => lines.push(JSON.parse(s) as CapturedLine) },
  );
  return { log, lines };
}
