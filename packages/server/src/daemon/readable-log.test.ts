import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readableDestination, readableLine } from './readable-log.js';
import { connectCommand, shellWord } from './start-banner.js';

describe('readable log lines', () => {
  it('prints time, level, message and every field but pino bookkeeping', () => {
    const time = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
    const line = readableLine({
      level: 40,
      time,
      pid: 1,
      hostname: 'h',
      service: 'auxctld',
      msg: 'denied',
      principal: 'spiffe://x/y z',
      n: 3,
      obj: { a: 1 },
    });
    expect(line).toBe('03:04:05.006 WARN  denied principal="spiffe://x/y z" n=3 obj={"a":1}\n');
  });

  it("indents an error's stack under its line", () => {
    const line = readableLine({
      level: 50,
      time: 0,
      msg: 'boom',
      err: { message: 'x', stack: 'E: x\n  at f' },
    });
    expect(line).toBe('00:00:00.000 ERROR boom err=x\n    E: x\n      at f\n');
  });

  it('property: no control character from a record reaches the terminal (escaped, one line per record and stack line)', () => {
    // Fields carry what callers present (a token's sub, a certificate subject, a method path):
    // printed raw, an escape sequence would drive the operator's terminal.
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    fc.assert(
      fc.property(text, text, text, fc.option(text), (msg, field, message, stack) => {
        const line = readableLine({
          level: 30,
          time: 0,
          msg,
          principal: field,
          obj: { field },
          err: { message, ...(stack !== null && { stack }) },
        });
        expect(line.replaceAll('\n', '')).not.toMatch(/\p{Cc}/u);
        const lines = stack === null ? 1 : 1 + stack.split('\n').length;
        expect(line.split('\n').length - 1).toBe(lines);
      }),
    );
    expect(readableLine({ level: 30, time: 0, msg: 'm\u001b[2J', sub: '\u001b]0;x\u0007' })).toBe(
      '00:00:00.000 INFO  m\\u001b[2J sub="\\u001b]0;x\\u0007"\n',
    );
  });

  it('the destination turns each JSON line into one readable line and passes other text through', () => {
    const out: string[] = [];
    const d = readableDestination({ write: (s) => out.push(s) });
    d.write('{"level":30,"time":0,"msg":"a"}\nnot json\n');
    expect(out).toEqual(['00:00:00.000 INFO  a\n', 'not json\n']);
  });
});

describe('the connect command', () => {
  it("names this installation's auxctl by path and quotes what needs quoting", () => {
    const cmd = connectCommand({ address: '127.0.0.1:1', stateDir: "/tmp/a b'c", insecure: false });
    expect(cmd).toMatch(
      /^AUXCTL_STATE_DIR='\/tmp\/a b'\\''c' node \/\S+\/bin\/auxctl\.js --host 127\.0\.0\.1:1 devices$/,
    );
    expect(connectCommand({ address: 'h:1', stateDir: '/s', insecure: true, auxctl: 'X' })).toBe(
      'X --insecure --host h:1 devices',
    );
  });

  it('property: a shell reads shellWord(s) back as s', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 20 }).filter((s) => !s.includes('\0')),
        (s) => {
          const got = execFileSync('sh', ['-c', `printf %s ${shellWord(s)}`]).toString();
          expect(got).toBe(s);
        },
      ),
      { numRuns: 40 },
    );
  });
});
