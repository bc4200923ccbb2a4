import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type RpcLine, RpcLineWriter, rpcRecord } from './audit-line.js';

/** capture: a pino destination that keeps every line. */
function capture(): { lines: string[]; write(s: string): void } {
  const lines: string[] = [];
  return { lines, write: (s) => lines.push(s) };
}

/** logger: an audit logger as the daemon makes one, with a fixed clock so lines compare. */
function logger(dest: { write(s: string): void }, opts: pino.LoggerOptions = {}) {
  return pino({ base: { stream: 'audit' }, timestamp: () => ',"time":1', ...opts }, dest);
}

const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

const line: fc.Arbitrary<RpcLine> = fc.record({
  origin: fc.constantFrom('rpc', 'driver'),
  result: fc.oneof(fc.constantFrom('ok', 'fw_error', 'ENODEV'), fc.string()),
  opcode: maybe(fc.integer({ min: 0, max: 0xffff })),
  opcodeName: maybe(fc.string()),
  opMod: maybe(fc.integer({ min: 0, max: 0xffff })),
  scope: maybe(fc.string({ unit: 'binary' })),
  status: maybe(fc.integer({ min: 0, max: 0xff })),
  statusName: maybe(fc.string()),
  syndrome: maybe(u32),
  inLen: maybe(u32),
  outLen: maybe(fc.oneof(u32, fc.double(), fc.string(), fc.constant(null))),
  latencyUs: maybe(fc.nat()),
});

const who = fc.record({
  principal: fc.string({ unit: 'binary', minLength: 1 }),
  device: fc.string(),
  uid: fc.nat(),
});

describe('RpcLineWriter', () => {
  it('writes the line pino writes for the same record, or declines it', () => {
    fc.assert(
      fc.property(who, line, fc.constantFrom('info', 'warn'), (w, f, level: 'info' | 'warn') => {
        const viaPino = capture();
        const raw = capture();
        logger(viaPino)
          .child({ ...w })
          [level](rpcRecord(f), 'ctl rpc');
        const writer = RpcLineWriter.forLogger(logger(raw).child({ ...w }), ['ctl rpc']);
        expect(writer).toBeDefined();
        const wrote = writer!.write(level, f, 'ctl rpc');
        // Only a value pino would write otherwise is declined (a refused request's outLen).
        const plain = (v: unknown) =>
          v === undefined || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
        expect(wrote).toBe(plain(f.outLen));
        expect(raw.lines).toEqual(wrote ? viaPino.lines : []);
        if (wrote) expect(JSON.parse(raw.lines[0]!)).toMatchObject({ event: 'ctl.rpc', ...w });
      }),
    );
  });

  it('declines a message it was not made for', () => {
    const writer = RpcLineWriter.forLogger(logger(capture()), ['ctl rpc']);
    expect(writer?.write('info', { origin: 'rpc', result: 'ok' }, 'other')).toBe(false);
  });

  it('is not made for a logger that would change the line', () => {
    const changing: pino.LoggerOptions[] = [
      { mixin: () => ({ extra: 1 }) },
      { formatters: { log: (o) => o } },
      { hooks: { logMethod: (args, method) => method.apply(this, args) } },
      { msgPrefix: '[audit] ' },
      { redact: ['scope'] },
      { redact: ['*'] },
      { serializers: { result: (v: unknown) => v } },
      { messageKey: 'message' },
    ];
    expect(RpcLineWriter.forLogger(logger(capture()), ['m'])).toBeDefined();
    for (const opts of changing) {
      const made = RpcLineWriter.forLogger(logger(capture(), opts), ['m']);
      // messageKey is reproduced; every other option makes the lines go through pino.
      if (opts.messageKey) {
        const a = capture();
        const b = capture();
        logger(a, opts).info(rpcRecord({ origin: 'rpc', result: 'ok' }), 'm');
        RpcLineWriter.forLogger(logger(b, opts), ['m'])!.write(
          'info',
          { origin: 'rpc', result: 'ok' },
          'm',
        );
        expect(b.lines).toEqual(a.lines);
      } else {
        expect(made, JSON.stringify(Object.keys(opts))).toBeUndefined();
      }
    }
    const multi = pino.multistream([{ stream: capture() }]);
    expect(RpcLineWriter.forLogger(pino({}, multi), ['m'])).toBeUndefined();
  });
});
