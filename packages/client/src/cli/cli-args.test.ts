import { DumpMode } from '@auxctl/proto';
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_CMD_BYTES,
  parseConcurrency,
  parseCounterIds,
  parseDiagMode,
  parseDumpMode,
  parseHex,
  parseHostList,
  parseHostsFile,
  parseInbox,
  parseIntInRange,
  parseOutLen,
  parseScope,
  SCOPE_NAMES,
} from './cli-args.js';

const bytesArb = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));

describe('parseHex', () => {
  it('round-trips any bytes, in either case, with or without 0x and separators', () => {
    fc.assert(
      fc.property(
        bytesArb,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('', ' ', ':', '_', '-'),
        (b, upper, prefix, sep) => {
          const pairs = (b.toString('hex').match(/../g) ?? []).join(sep);
          const text = `${prefix ? '0x' : ''}${upper ? pairs.toUpperCase() : pairs}`;
          expect(parseHex(text).equals(b)).toBe(true);
        },
      ),
    );
  });

  it('refuses non-hex characters and odd digit counts with a usage error', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const digits = s
          .trim()
          .replace(/^0x/i, '')
          .replace(/[\s:_-]/g, '');
        const valid = /^[0-9a-fA-F]*$/.test(digits) && digits.length % 2 === 0;
        if (valid) expect(parseHex(s).length).toBe(digits.length / 2);
        else expect(() => parseHex(s)).toThrow(InvalidArgumentError);
      }),
    );
    expect(() => parseHex('abc')).toThrow(/3 hex digits/);
    expect(() => parseHex('zz')).toThrow(/hex digits/);
  });

  it('parseInbox bounds the length to 16..262144 bytes', () => {
    expect(parseInbox('00'.repeat(16)).length).toBe(16);
    expect(() => parseInbox('00'.repeat(15))).toThrow(/16 to 262160 bytes/);
    expect(() => parseInbox('00'.repeat(MAX_CMD_BYTES + 1))).toThrow(InvalidArgumentError);
  });
});

describe('parseScope', () => {
  it('accepts every scope name in any case, with - or _, and the RPC_SCOPE_ prefix', () => {
    const expected = ['CONFIGURATION', 'DEBUG_READ_ONLY', 'DEBUG_WRITE', 'DEBUG_WRITE_FULL'];
    fc.assert(
      fc.property(fc.nat(3), fc.boolean(), fc.boolean(), fc.boolean(), (i, upper, dash, prefix) => {
        let name = SCOPE_NAMES[i] as string;
        if (dash) name = name.replace(/_/g, '-');
        if (prefix) name = `rpc_scope_${name}`;
        if (upper) name = name.toUpperCase();
        expect(parseScope(name)).toBe(expected[i]);
      }),
    );
  });

  it('refuses anything else, including the unspecified scope and numbers', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const key = s
          .trim()
          .toLowerCase()
          .replace(/-/g, '_')
          .replace(/^rpc_scope_/, '');
        fc.pre(!SCOPE_NAMES.includes(key));
        expect(() => parseScope(s)).toThrow(InvalidArgumentError);
      }),
    );
    for (const bad of ['unspecified', '0', '1', 'debug', ''])
      expect(() => parseScope(bad)).toThrow(/configuration/);
  });
});

describe('integer options', () => {
  it('parseIntInRange accepts exactly the integers in range, decimal or 0x hex', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 300 }), fc.boolean(), (n, hex) => {
        const text = n >= 0 && hex ? `0x${n.toString(16)}` : String(n);
        if (n >= 16 && n <= 256) expect(parseIntInRange(text, 16, 256)).toBe(n);
        else expect(() => parseIntInRange(text, 16, 256)).toThrow(InvalidArgumentError);
      }),
    );
    for (const bad of ['', '1.5', '1e3', '16abc', ' '])
      expect(() => parseIntInRange(bad, 0, 99)).toThrow();
  });

  it('out-len and concurrency have their documented bounds', () => {
    expect(parseOutLen('16')).toBe(16);
    expect(parseOutLen(String(MAX_CMD_BYTES))).toBe(MAX_CMD_BYTES);
    expect(() => parseOutLen('15')).toThrow();
    expect(() => parseConcurrency('0')).toThrow();
    expect(parseConcurrency('8')).toBe(8);
  });

  it('parseDumpMode maps the four names', () => {
    expect(parseDumpMode('UMEM')).toBe(DumpMode.DUMP_MODE_UMEM);
    expect(parseDumpMode('inline')).toBe(DumpMode.DUMP_MODE_INLINE);
    expect(parseDumpMode('auto')).toBe(DumpMode.DUMP_MODE_UNSPECIFIED);
    expect(parseDumpMode('host')).toBe(DumpMode.DUMP_MODE_HOST);
    expect(() => parseDumpMode('fast')).toThrow(/umem, inline, host or auto/);
  });
});

const hostArb = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}(:[0-9]{1,5})?$/);

describe('host lists', () => {
  it('parseHostList keeps order and drops duplicates', () => {
    fc.assert(
      fc.property(fc.array(hostArb, { minLength: 1, maxLength: 10 }), (hosts) => {
        expect(parseHostList(hosts.join(','))).toEqual([...new Set(hosts)]);
      }),
    );
    expect(() => parseHostList('a,,b')).toThrow(InvalidArgumentError);
    expect(() => parseHostList('a b')).toThrow(InvalidArgumentError);
  });

  it('parseHostsFile ignores blank lines and comments and refuses two words on a line', () => {
    fc.assert(
      fc.property(fc.array(hostArb, { maxLength: 10 }), (hosts) => {
        const text = [
          '# fleet',
          '',
          ...hosts.map((h, i) => (i % 2 ? `  ${h}  # rack ${i}` : h)),
          '',
        ].join('\n');
        expect(parseHostsFile(text)).toEqual([...new Set(hosts)]);
      }),
    );
    expect(() => parseHostsFile('a\nb c\n')).toThrow(/line 2/);
  });

  it('parseCounterIds takes "all" or distinct ids 1..0xffff, decimal or hex, in order', () => {
    const id = fc.integer({ min: 1, max: 0xffff });
    const spelled = id.chain((n) =>
      fc.constantFrom(String(n), `0x${n.toString(16)}`, ` 0X${n.toString(16).toUpperCase()} `),
    );
    fc.assert(
      fc.property(fc.uniqueArray(id, { minLength: 1, maxLength: 8 }), fc.context(), (ids, c) => {
        const text = ids.map((n) => (n % 2 === 0 ? `0x${n.toString(16)}` : String(n))).join(',');
        c.log(text);
        expect(parseCounterIds(text)).toEqual(ids);
      }),
    );
    fc.assert(
      fc.property(spelled, (text) => {
        const ids = parseCounterIds(text);
        expect(ids).not.toBe('all');
        expect((ids as number[])[0]).toBeGreaterThan(0);
      }),
    );
    expect(parseCounterIds(' ALL ')).toBe('all');
  });

  it('parseCounterIds refuses repeats, zero, out-of-range and non-numeric ids with a usage error', () => {
    for (const bad of [
      '',
      '0',
      '0x0',
      '0x10000',
      '65536',
      '1,,2',
      '0x401,0x401',
      '1025,0x401',
      'x',
      '-1',
    ]) {
      expect(() => parseCounterIds(bad), bad).toThrow(InvalidArgumentError);
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          const ids = parseCounterIds(text);
          if (ids !== 'all') {
            expect(new Set(ids).size).toBe(ids.length);
            for (const n of ids) expect(n >= 1 && n <= 0xffff).toBe(true);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidArgumentError);
        }
      }),
    );
  });

  it('parseDiagMode accepts the three modes in any case and nothing else', () => {
    expect(parseDiagMode('On-Demand')).toBe('on_demand');
    expect(parseDiagMode('single')).toBe('single');
    expect(parseDiagMode('REPETITIVE')).toBe('repetitive');
    fc.assert(
      fc.property(fc.string(), (text) => {
        const key = text.trim().toLowerCase().replace(/-/g, '_');
        if (['on_demand', 'single', 'repetitive'].includes(key))
          expect(parseDiagMode(text)).toBe(key);
        else expect(() => parseDiagMode(text)).toThrow(InvalidArgumentError);
      }),
    );
  });
});
