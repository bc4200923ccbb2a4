/**
 * memoryLog: a pino logger whose JSON lines land, parsed, in `lines` — for
 * tests that check what was logged or audited.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';

/** LogLine: one parsed log line. */
export type LogLine = Record<string, unknown>;

/** memoryLog: see the module header. */
export function memoryLog(): { logger: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n'))
        if (l) lines.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
