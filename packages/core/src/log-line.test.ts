import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LineWriter } from './log-line.js';

/** capture: a pino destination that keeps every line. */
function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s) => lines.push(s) };
}

/** logger: a logger as the daemon makes one, with a fixed clock so lines compare. */
function logger(dest: { write(s: string): void }, opts: pino.LoggerOptions = {}) {
  return pino({ base: { service: 'auxctld' }, timestamp: () => ',"time":1', ...opts }, dest);
}

const KEYS = ['event', 'method', 'count', 'allowed', 'note'];
const value = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
  fc.constant(null),
  fc.constant({ nested: 1 }),
);
const accepted = (v: unknown) =>
  v === undefined ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));

describe('LineWriter', () => {
  it('writes the line pino writes for the same record, or declines it', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: KEYS.length, maxLength: KEYS.length }),
        fc.dictionary(
          fc.constantFrom('principal', 'device', 'uid'),
          fc.oneof(fc.string(), fc.nat()),
        ),
        fc.constantFrom('info', 'warn'),
        (values, bindings, level: 'info' | 'warn') => {
          const viaPino = capture();
          const raw = capture();
          const record = Object.fromEntries(KEYS.map((k, i) => [k, values[i]]));
          logger(viaPino)
            .child({ ...bindings })
            [level](record, 'call');
          const writer = LineWriter.forLogger(logger(raw).child({ ...bindings }), KEYS, ['call']);
          expect(writer).toBeDefined();
          const wrote = writer!.write(level, values, 'call');
          expect(wrote).toBe(values.every(accepted));
          expect(raw.lines).toEqual(wrote ? viaPino.lines : []);
        },
      ),
    );
  });

  it('writes each line of a sequence as pino does, values repeating or not', () => {
    // Few distinct values, so a key often repeats the value of the line before.
    const few = fc.oneof(
      fc.constantFrom('a', 'b', 'é"\\', ''),
      fc.integer({ min: 0, max: 2 }),
      fc.boolean(),
    );
    const record = fc.array(fc.oneof(few, value), {
      minLength: KEYS.length,
      maxLength: KEYS.length,
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 12 }), (records) => {
        const viaPino = capture();
        const raw = capture();
        const log = logger(viaPino);
        const writer = LineWriter.forLogger(logger(raw), KEYS, ['call']);
        for (const values of records) {
          if (writer!.write('info', values, 'call')) {
            log.info(Object.fromEntries(KEYS.map((k, i) => [k, values[i]])), 'call');
          } else {
            expect(values.every(accepted)).toBe(false);
          }
        }
        expect(raw.lines).toEqual(viaPino.lines);
      }),
    );
  });

  it('declines a message it was not made for', () => {
    const writer = LineWriter.forLogger(logger(capture()), KEYS, ['call']);
    expect(writer?.write('info', ['x'], 'other')).toBe(false);
  });

  it('is not made for a logger that would change the line', () => {
    const changing: pino.LoggerOptions[] = [
      { mixin: () => ({ extra: 1 }) },
      { formatters: { log: (o) => o } },
      { hooks: { logMethod: (args, method) => method.apply(this, args) } },
      { msgPrefix: '[audit] ' },
      { redact: ['method'] },
      { redact: ['*'] },
      { serializers: { count: (v: unknown) => v } },
    ];
    expect(LineWriter.forLogger(logger(capture()), KEYS, ['m'])).toBeDefined();
    for (const opts of changing) {
      expect(
        LineWriter.forLogger(logger(capture(), opts), KEYS, ['m']),
        JSON.stringify(Object.keys(opts)),
      ).toBeUndefined();
    }
    const multi = pino.multistream([{ stream: capture() }]);
    expect(LineWriter.forLogger(pino({}, multi), KEYS, ['m'])).toBeUndefined();
    // Another message key is reproduced.
    const a = capture();
    const b = capture();
    logger(a, { messageKey: 'message' }).info({ event: 'e', count: 2 }, 'm');
    LineWriter.forLogger(logger(b, { messageKey: 'message' }), KEYS, ['m'])!.write(
      'info',
      ['e', undefined, 2],
      'm',
    );
    expect(b.lines).toEqual(a.lines);
  });
});
