import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClientConfig, parseClientConfig } from './client-config.js';

describe('parseClientConfig', () => {
  it('resolves relative paths against the file directory and keeps absolute ones', () => {
    expect(
      parseClientConfig(
        {
          version: 1,
          address: '127.0.0.1:7443',
          ca: 'ca.pem',
          cert: '/etc/a.pem',
          key: 'k/a.key',
          principal: 'p',
        },
        '/state',
      ),
    ).toEqual({
      version: 1,
      address: '127.0.0.1:7443',
      ca: '/state/ca.pem',
      cert: '/etc/a.pem',
      key: '/state/k/a.key',
      principal: 'p',
    });
  });

  it('accepts a bearer-only config without cert and key', () => {
    expect(
      parseClientConfig({ version: 1, address: 'h:1', ca: '/ca.pem', serverName: 'h' }, '/'),
    ).toEqual({
      version: 1,
      address: 'h:1',
      ca: '/ca.pem',
      serverName: 'h',
    });
  });

  it.each([
    [null, /not a JSON object/],
    [[], /not a JSON object/],
    [{ version: 2, address: 'a:1', ca: 'c' }, /"version" must be 1/],
    [{ version: 1, ca: 'c' }, /"address"/],
    [{ version: 1, address: 'a:1', ca: '' }, /"ca"/],
    [{ version: 1, address: 'a:1', ca: 'c', cert: 'x' }, /"cert" and "key" go together/],
    [{ version: 1, address: 'a:1', ca: 'c', principal: 5 }, /"principal"/],
  ])('refuses %j', (value, message) => {
    expect(() => parseClientConfig(value, '/')).toThrow(message);
  });

  it('property: any JSON value is a config or EINVAL', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record(
            {
              version: fc.constantFrom(1, 2, '1'),
              address: fc.oneof(fc.string(), fc.integer()),
              ca: fc.oneof(fc.string(), fc.constant(undefined)),
              cert: fc.string(),
              key: fc.string(),
            },
            { requiredKeys: [] },
          ),
        ),
        (value) => {
          try {
            const c = parseClientConfig(value, '/base');
            expect(c.ca.startsWith('/')).toBe(true);
          } catch (e) {
            expect(isAuxError(e, 'EINVAL')).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('loadClientConfig', () => {
  it('reads a file, and says to start auxctld when it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auxctl-cc-'));
    try {
      const path = join(dir, 'client.json');
      await expect(loadClientConfig(path)).rejects.toSatisfy(
        (e: unknown) => isAuxError(e, 'ENOENT') && /start auxctld once/.test(e.message),
      );
      await writeFile(path, 'not json');
      await expect(loadClientConfig(path)).rejects.toSatisfy((e: unknown) =>
        isAuxError(e, 'EINVAL'),
      );
      await writeFile(
        path,
        JSON.stringify({ version: 1, address: 'localhost:7443', ca: 'ca.pem' }),
      );
      expect((await loadClientConfig(path)).ca).toBe(join(dir, 'ca.pem'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
