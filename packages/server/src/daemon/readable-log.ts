/**
 * Readable log: pino's JSON lines as one short line a person reads on a
 * terminal — `12:03:04.123 INFO  listening address=127.0.0.1:9339` — with an
 * error's stack indented below it.
 *
 * Owns the terminal form of a log record. Never: dropping a field (every
 * field but pino's own bookkeeping is printed), or being used for files and
 * pipes, which keep the JSON lines that tools parse.
 */

const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** CONTROL: C0, DEL and C1 characters (a newline too): what could drive a terminal. */
const CONTROL = /\p{Cc}/gu;

/**
 * visible: `s` with every control character written as `\uXXXX`. Fields carry
 * what callers present (a token's `sub`, a certificate subject, a method path),
 * so nothing of theirs may reach the terminal as an escape sequence.
 */
function visible(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Fields pino adds to every record that a terminal reader does not need. */
const BOOKKEEPING = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

function clock(time: unknown): string {
  const d = new Date(typeof time === 'number' ? time : Date.now());
  return d.toISOString().slice(11, 23);
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=\p{Cc}]+$/u.test(v) ? v : visible(JSON.stringify(v));
  return visible(JSON.stringify(v) ?? String(v));
}

/** readableLine: one log record (a parsed pino line) as terminal text, ending in a newline. */
export function readableLine(rec: Readonly<Record<string, unknown>>): string {
  const level = LEVELS[rec.level as number] ?? String(rec.level ?? '');
  let line = `${clock(rec.time)} ${level} ${typeof rec.msg === 'string' ? visible(rec.msg) : ''}`;
  let stack = '';
  for (const [k, v] of Object.entries(rec)) {
    if (BOOKKEEPING.has(k) || v === undefined) continue;
    if (k === 'err' && v !== null && typeof v === 'object') {
      const e = v as { message?: unknown; stack?: unknown };
      line += ` err=${valueText(e.message ?? v)}`;
      if (typeof e.stack === 'string') {
        stack = `\n    ${e.stack.split('\n').map(visible).join('\n    ')}`;
      }
      continue;
    }
    line += ` ${k}=${valueText(v)}`;
  }
  return `${line}${stack}\n`;
}

/** TextSink: where readable lines go (a TTY's stream). */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * readableDestination: a pino destination that writes readableLine of each
 * JSON line it is given to `out`; a line that is not JSON passes as it is.
 */
export function readableDestination(out: TextSink): TextSink {
  return {
    write(text: string) {
      for (const line of text.split('\n')) {
        if (line === '') continue;
        let rec: unknown;
        try {
          rec = JSON.parse(line);
        } catch {
          out.write(`${visible(line)}\n`);
          continue;
        }
        out.write(
          rec !== null && typeof rec === 'object'
            ? readableLine(rec as Record<string, unknown>)
            : `${line}\n`,
        );
      }
      return true;
    },
  };
}
