import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { ClientConfig } from '@auxctl/proto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuxctlError } from './auxctl-error.js';
import { defaultClientConfigPath, parseClientConfig } from './client-config.js';
import {
  type ConnectionOptions,
  channelTarget,
  DEFAULT_PORT,
  loadConnectionSettings,
  normalizeAddress,
  resolveConnectionSettings,
} from './connection.js';

const BASE = '/srv/state';
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const relPath = fc.array(word, { minLength: 1, maxLength: 3 }).map((p) => p.join('/'));
const anyPath = fc.oneof(
  relPath,
  relPath.map((p) => `/${p}`),
);
const address = fc.tuple(word, fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`);

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(AuxctlError);
    return (e as AuxctlError).code;
  }
};

describe('parseClientConfig', () => {
  it('accepts valid files and resolves relative paths against the file directory', () => {
    fc.assert(
      fc.property(
        address,
        anyPath,
        fc.option(fc.tuple(anyPath, anyPath), { nil: undefined }),
        fc.option(word, { nil: undefined }),
        (addr, ca, pair, serverName) => {
          const raw: Record<string, unknown> = { version: 1, address: addr, ca, extra: 'ignored' };
          if (pair) [raw.cert, raw.key] = pair;
          if (serverName !== undefined) raw.serverName = serverName;
          const c = parseClientConfig(raw, BASE);
          expect(c.address).toBe(addr);
          expect(c.ca).toBe(resolve(BASE, ca));
          for (const p of [c.ca, c.cert, c.key])
            if (p !== undefined) expect(isAbsolute(p)).toBe(true);
          expect(c.cert).toBe(pair ? resolve(BASE, pair[0]) : undefined);
          expect(c.serverName).toBe(serverName);
        },
      ),
    );
  });

  it('anything else is EINVAL, never another error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const code = codeOf(() => parseClientConfig(v, BASE));
        expect(code).toBe('EINVAL');
      }),
    );
    const ok = { version: 1, address: 'h:1', ca: 'ca.pem' };
    for (const bad of [
      { ...ok, version: 2 },
      { ...ok, address: '' },
      { ...ok, ca: 7 },
      { ...ok, cert: 'c.pem' },
      { ...ok, key: 'k.pem' },
      { version: 1, ca: 'ca.pem' },
    ]) {
      expect(codeOf(() => parseClientConfig(bad, BASE))).toBe('EINVAL');
    }
  });

  it('defaultClientConfigPath follows AUXCTL_STATE_DIR, then XDG_STATE_HOME, then home', () => {
    expect(defaultClientConfigPath({ AUXCTL_STATE_DIR: '/a', XDG_STATE_HOME: '/x' }, '/h')).toBe(
      '/a/client.json',
    );
    expect(defaultClientConfigPath({ XDG_STATE_HOME: '/x' }, '/h')).toBe('/x/auxctl/client.json');
    expect(defaultClientConfigPath({ AUXCTL_STATE_DIR: '' }, '/h')).toBe(
      '/h/.local/state/auxctl/client.json',
    );
  });
});

describe('normalizeAddress', () => {
  it('keeps host:port, adds the default port, brackets bare IPv6', () => {
    fc.assert(
      fc.property(address, (a) => {
        expect(normalizeAddress(a)).toBe(a);
      }),
    );
    fc.assert(
      fc.property(word, (h) => {
        expect(normalizeAddress(h)).toBe(`${h}:${DEFAULT_PORT}`);
      }),
    );
    expect(normalizeAddress('::1')).toBe(`[::1]:${DEFAULT_PORT}`);
    expect(normalizeAddress('[::1]')).toBe(`[::1]:${DEFAULT_PORT}`);
    expect(normalizeAddress('[::1]:9')).toBe('[::1]:9');
    for (const bad of ['', 'h:0', 'h:70000', 'h:x', ':5', '[::1]x', 'a b']) {
      expect(codeOf(() => normalizeAddress(bad))).toBe('EINVAL');
    }
  });
});

describe('resolveConnectionSettings precedence', () => {
  const layer = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
  const pairArb = fc.tuple(
    anyPath.map((p) => `/c/${p}`),
    anyPath.map((p) => `/k/${p}`),
  );

  it('each setting comes from options, else env, else the file; cert and key travel as a pair', () => {
    fc.assert(
      fc.property(
        fc.record({ o: layer(address), e: layer(address), f: layer(address) }),
        fc.record({ o: layer(word), e: layer(word), f: word }),
        fc.record({ o: layer(pairArb), e: layer(pairArb), f: layer(pairArb) }),
        fc.record({ o: layer(word), e: layer(word) }),
        (addr, ca, pair, token) => {
          fc.pre(addr.o !== undefined || addr.e !== undefined || addr.f !== undefined);
          const hasFile = addr.f !== undefined;
          fc.pre(ca.o !== undefined || ca.e !== undefined || hasFile);
          fc.pre(
            [pair.o, pair.e, hasFile ? pair.f : undefined, token.o, token.e].some(
              (x) => x !== undefined,
            ),
          );
          const options: ConnectionOptions = { host: addr.o, ca: ca.o, token: token.o };
          if (pair.o) [options.cert, options.key] = pair.o;
          const env = {
            AUXCTL_HOST: addr.e,
            AUXCTL_CA: ca.e,
            AUXCTL_CERT: pair.e?.[0],
            AUXCTL_KEY: pair.e?.[1],
            AUXCTL_TOKEN: token.e,
          };
          const file: ClientConfig | undefined =
            addr.f === undefined
              ? undefined
              : {
                  version: 1,
                  address: addr.f,
                  ca: ca.f,
                  cert: pair.f?.[0],
                  key: pair.f?.[1],
                  serverName: 'srv',
                };
          const s = resolveConnectionSettings({ options, env, file, configPath: '/x/client.json' });
          expect(s.address).toBe(addr.o ?? addr.e ?? addr.f);
          expect(s.addressFrom).toBe(addr.o ? 'option' : addr.e ? 'env' : 'file');
          expect(s.ca).toBe(ca.o ?? ca.e ?? (file ? ca.f : undefined));
          const wantPair = pair.o ?? pair.e ?? (file ? pair.f : undefined);
          expect([s.cert, s.key]).toEqual(wantPair ?? [undefined, undefined]);
          expect(s.token).toBe(token.o ?? token.e);
          expect(s.serverName).toBe(s.addressFrom === 'file' ? 'srv' : undefined);
        },
      ),
    );
  });

  const file: ClientConfig = {
    version: 1,
    address: 'h:1',
    ca: '/s/ca.pem',
    cert: '/s/a.pem',
    key: '/s/a.key',
  };
  const resolveWith = (options: ConnectionOptions, env: Record<string, string>, f?: ClientConfig) =>
    resolveConnectionSettings({ options, env, file: f, configPath: '/x/client.json' });

  it('names the missing piece and where to give it', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as AuxctlError;
      }
      throw new Error('expected a throw');
    };
    expect(err(() => resolveWith({}, {}))).toMatchObject({
      code: 'ENOENT',
      message: expect.stringMatching(/AUXCTL_HOST.*\/x\/client\.json does not exist/),
    });
    expect(err(() => resolveWith({ host: 'h' }, {})).message).toMatch(/AUXCTL_CA/);
    expect(err(() => resolveWith({ host: 'h', ca: '/ca' }, {})).message).toMatch(/AUXCTL_TOKEN/);
    expect(err(() => resolveWith({}, { AUXCTL_CERT: '/c' }, file)).message).toMatch(
      /without its key.*AUXCTL_KEY/,
    );
    expect(err(() => resolveWith({ key: '/k' }, {}, file)).message).toMatch(
      /without its certificate/,
    );
    expect(err(() => resolveWith({ insecure: true, token: 't' }, { AUXCTL_HOST: 'h' })).code).toBe(
      'EINVAL',
    );
    expect(resolveWith({ insecure: true }, { AUXCTL_HOST: 'h' })).toEqual({
      address: `h:${DEFAULT_PORT}`,
      addressFrom: 'env',
      insecure: true,
    });
  });
});

describe('loadConnectionSettings and channelTarget', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-conn-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads client.json from AUXCTL_STATE_DIR and resolves its paths', async () => {
    await writeFile(
      join(dir, 'client.json'),
      JSON.stringify({
        version: 1,
        address: '127.0.0.1:7443',
        ca: 'ca.pem',
        cert: 'admin.pem',
        key: 'admin.key',
      }),
    );
    const s = await loadConnectionSettings({}, { AUXCTL_STATE_DIR: dir });
    expect(s).toMatchObject({
      address: '127.0.0.1:7443',
      ca: join(dir, 'ca.pem'),
      cert: join(dir, 'admin.pem'),
      addressFrom: 'file',
    });
  });

  it('a config named explicitly must exist; a broken one is EINVAL', async () => {
    await expect(
      loadConnectionSettings({}, { AUXCTL_CONFIG: join(dir, 'nope.json') }),
    ).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('AUXCTL_CONFIG') });
    await writeFile(join(dir, 'bad.json'), '{ not json');
    await expect(
      loadConnectionSettings({ config: join(dir, 'bad.json') }, {}),
    ).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('channelTarget names a PEM file it cannot read', async () => {
    const ca = join(dir, 'missing-ca.pem');
    await expect(
      channelTarget({ address: 'h:1', addressFrom: 'option', insecure: false, ca, token: 't' }),
    ).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining(ca) });
    await expect(
      channelTarget({ address: 'h:1', addressFrom: 'option', insecure: false }),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
