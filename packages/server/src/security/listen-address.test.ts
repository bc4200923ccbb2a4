import { BlockList } from 'node:net';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertLoopback, isLoopbackHost, parseListenAddress } from './listen-address.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return isAuxError(e) ? e.code : `not an AuxError: ${String(e)}`;
  }
};

describe('parseListenAddress', () => {
  it('reads host:port, [v6]:port, bare hosts and bare IPv6', () => {
    expect(parseListenAddress('127.0.0.1:7443')).toEqual({
      host: '127.0.0.1',
      port: 7443,
      family: 'ipv4',
    });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0, family: 'ipv6' });
    expect(parseListenAddress('localhost')).toEqual({ host: 'localhost', family: 'name' });
    expect(parseListenAddress('::1')).toEqual({ host: '::1', family: 'ipv6' });
    expect(parseListenAddress('[::1]')).toEqual({ host: '::1', family: 'ipv6' });
  });

  it.each([
    '',
    ':80',
    '127.0.0.1:',
    '127.0.0.1:65536',
    '127.0.0.1:-1',
    '[::1',
    '[::1]x',
    '[host]:1',
    'unix:/run/auxctld.sock',
    'a b:1',
    '1:2:3:80z',
  ])('%j is EINVAL', (a) => {
    expect(codeOf(() => parseListenAddress(a))).toBe('EINVAL');
  });
});

describe('assertLoopback', () => {
  it.each([
    '127.0.0.1:7443',
    '127.8.9.10:1',
    '[::1]:0',
    '::1',
    '[0:0:0:0:0:0:0:1]:5',
    '[::ffff:127.0.0.1]:80',
    'localhost:50051',
    'LocalHost',
    'localhost.:1',
  ])('allows %j', (a) => {
    expect(() => assertLoopback(a)).not.toThrow();
  });

  it.each([
    '0.0.0.0:7443',
    '[::]:7443',
    '10.0.0.1:1',
    '128.0.0.1:1',
    '[::ffff:10.0.0.1]:1',
    '[::2]:1',
    'example.com:1',
    'localhost.example.com:1',
    'my-localhost:1',
  ])('refuses %j with EPERM', (a) => {
    expect(codeOf(() => assertLoopback(a))).toBe('EPERM');
  });

  it('says what to do', () => {
    expect(() => assertLoopback('0.0.0.0:7443')).toThrow(/--insecure.*loopback/);
  });

  it('property: any text gives a loopback address, EPERM or EINVAL — nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 })),
        (s) => {
          const code = codeOf(() => assertLoopback(s));
          expect([undefined, 'EPERM', 'EINVAL']).toContain(code);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('property: 127/8 with any port is loopback, with the port parsed', () => {
    fc.assert(
      fc.property(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(65535), (b, c, d, port) => {
        expect(assertLoopback(`127.${b}.${c}.${d}:${port}`)).toEqual({
          host: `127.${b}.${c}.${d}`,
          port,
          family: 'ipv4',
        });
      }),
    );
  });

  it('property: an IPv4 address outside 127/8 is refused', () => {
    fc.assert(
      fc.property(
        fc.ipV4().filter((ip) => !ip.startsWith('127.')),
        fc.nat(65535),
        (ip, port) => {
          expect(codeOf(() => assertLoopback(`${ip}:${port}`))).toBe('EPERM');
        },
      ),
    );
  });

  // An independent judge: Node's BlockList parses addresses with inet_pton.
  const oracle = new BlockList();
  oracle.addAddress('::1', 'ipv6');
  oracle.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');
  const ipv6 = fc.oneof(
    fc.ipV6(),
    fc.constantFrom('::1', '0:0:0:0:0:0:0:1', '::0:1', '::ffff:7f00:1'),
    fc.ipV4().map((v4) => `::ffff:${v4}`),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([b, c, d]) => `::ffff:127.${b}.${c}.${d}`),
  );

  it('property: an IPv6 address is loopback exactly when it is ::1 or maps 127/8', () => {
    fc.assert(
      fc.property(ipv6, (ip) => {
        const loopback = oracle.check(ip, 'ipv6');
        expect(isLoopbackHost(ip)).toBe(loopback);
        expect(codeOf(() => assertLoopback(`[${ip}]:1`))).toBe(loopback ? undefined : 'EPERM');
      }),
      { numRuns: 500 },
    );
  });
});
