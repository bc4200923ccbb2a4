import { createPrivateKey, X509Certificate } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CertAuthority } from './cert-authority.js';
import { loadClientConfig } from './client-config.js';
import {
  defaultStateDir,
  type EnsureStateOptions,
  ensureState,
  type StatePaths,
  statePaths,
} from './state-dir.js';

const DAY = 86_400_000;
const T0 = new Date('2030-03-01T00:00:00Z');
const at = (days: number): EnsureStateOptions => ({
  now: () => new Date(T0.getTime() + days * DAY),
});
const ALL = [
  'admin.key',
  'admin.pem',
  'ca.key',
  'ca.pem',
  'client.json',
  'server.key',
  'server.pem',
];

let root: string;
let dir: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'auxctl-state-'));
  dir = join(root, 'state');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;
const snapshot = async (p: StatePaths) =>
  Object.fromEntries(
    await Promise.all(ALL.map(async (f) => [f, await readFile(join(p.dir, f), 'utf8')])),
  );

/** consistent: every leaf chains to ca.pem, matches its key, and client.json points at them. */
async function expectConsistent(p: StatePaths, nowMs: number): Promise<void> {
  const caCert = new X509Certificate(await readFile(p.caCert));
  for (const [cert, key] of [
    [p.serverCert, p.serverKey],
    [p.adminCert, p.adminKey],
  ] as const) {
    const c = new X509Certificate(await readFile(cert));
    expect(c.verify(caCert.publicKey)).toBe(true);
    expect(c.checkPrivateKey(createPrivateKey(await readFile(key)))).toBe(true);
    expect(new Date(c.validTo).getTime()).toBeGreaterThan(nowMs);
    expect(await mode(key)).toBe(0o600);
  }
  const cfg = await loadClientConfig(p.clientConfig);
  expect([cfg.ca, cfg.cert, cfg.key]).toEqual([p.caCert, p.adminCert, p.adminKey]);
  expect((await readdir(p.dir)).sort()).toEqual(ALL);
}

describe('ensureState: first start', () => {
  it('creates CA, server and admin credentials and client.json with private modes', async () => {
    const r = await ensureState(dir, { ...at(0), clientAddress: '[::1]:7443' });
    expect(r.firstStart).toBe(true);
    expect([...r.created].sort()).toEqual(ALL);
    expect(r.reused).toEqual([]);
    expect(r.reissued).toEqual([]);
    expect(await mode(dir)).toBe(0o700);
    for (const k of ['ca.key', 'server.key', 'admin.key'])
      expect(await mode(join(dir, k))).toBe(0o600);
    await expectConsistent(r.paths, T0.getTime());

    const admin = new X509Certificate(await readFile(r.paths.adminCert));
    expect(admin.subjectAltName).toBe('URI:spiffe://auxctl/admin');
    expect(admin.subject).toBe('CN=admin');
    const server = new X509Certificate(await readFile(r.paths.serverCert));
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost', { subject: 'never' })).toBe('localhost');
    expect(r.clientConfig).toMatchObject({
      address: '[::1]:7443',
      principal: 'spiffe://auxctl/admin',
    });
    expect(JSON.parse(await readFile(r.paths.clientConfig, 'utf8'))).toEqual(r.clientConfig);
    expect(r.caNotAfter.getTime()).toBe(T0.getTime() + 3650 * DAY);
    expect(r.serverNotAfter.getTime()).toBe(T0.getTime() + 365 * DAY);
  });

  it('leaves nothing behind when an option is bad', async () => {
    for (const opts of [
      { serverNames: ['not a name'] },
      { adminPrincipal: 'x' },
      { clientAddress: 'unix:/x' },
      { caValidityDays: 0 },
      { leafValidityDays: 10, renewWithinDays: 20 },
    ]) {
      await expect(ensureState(dir, { ...at(0), ...opts })).rejects.toSatisfy((e: unknown) =>
        isAuxError(e, 'EINVAL'),
      );
    }
    expect(await readdir(root)).toEqual([]);
  });
});

describe('ensureState: later starts', () => {
  it('reuses everything unchanged', async () => {
    const first = await ensureState(dir, at(0));
    const before = await snapshot(first.paths);
    const again = await ensureState(dir, at(100));
    expect(again.firstStart).toBe(false);
    expect(again.created).toEqual([]);
    expect(again.reissued).toEqual([]);
    expect([...again.reused].sort()).toEqual(ALL);
    expect(await snapshot(again.paths)).toEqual(before);
  });

  it('re-issues an expired server certificate and keeps the CA', async () => {
    const first = await ensureState(dir, at(0));
    const before = await snapshot(first.paths);
    const r = await ensureState(dir, at(400));
    expect(r.reissued).toEqual([
      { file: 'server.pem', reason: 'expired' },
      { file: 'admin.pem', reason: 'expired' },
    ]);
    const after = await snapshot(r.paths);
    expect(after['ca.pem']).toBe(before['ca.pem']);
    expect(after['ca.key']).toBe(before['ca.key']);
    expect(after['server.pem']).not.toBe(before['server.pem']);
    await expectConsistent(r.paths, T0.getTime() + 400 * DAY);
  });

  it('re-issues within renewWithinDays of expiry, not before', async () => {
    await ensureState(dir, at(0));
    expect((await ensureState(dir, { ...at(330), renewWithinDays: 30 })).reissued).toEqual([]);
    const r = await ensureState(dir, { ...at(340), renewWithinDays: 30 });
    expect(r.reissued.map((x) => x.reason)).toEqual(['expires soon', 'expires soon']);
  });

  it('re-issues the server certificate when a requested name is missing', async () => {
    await ensureState(dir, at(0));
    const r = await ensureState(dir, { ...at(1), serverNames: ['nic-host.example', '10.9.8.7'] });
    expect(r.reissued).toEqual([{ file: 'server.pem', reason: 'lacks name nic-host.example' }]);
    const server = new X509Certificate(await readFile(r.paths.serverCert));
    expect(server.checkHost('nic-host.example', { subject: 'never' })).toBe('nic-host.example');
    expect(server.checkIP('10.9.8.7')).toBe('10.9.8.7');
    expect(
      (await ensureState(dir, { ...at(2), serverNames: ['nic-host.example'] })).reissued,
    ).toEqual([]);
  });

  it('re-issues a leaf whose key does not match or that another CA signed', async () => {
    const p = (await ensureState(dir, at(0))).paths;
    await writeFile(p.serverKey, await readFile(p.adminKey), { mode: 0o600 });
    const other = await CertAuthority.create({
      notBefore: T0,
      notAfter: new Date(T0.getTime() + 999 * DAY),
    });
    const foreign = await other.issueClient({
      notBefore: T0,
      notAfter: new Date(T0.getTime() + 900 * DAY),
      commonName: 'admin',
      uri: 'spiffe://auxctl/admin',
    });
    await writeFile(p.adminCert, foreign.certPem);
    await writeFile(p.adminKey, foreign.keyPem);
    const r = await ensureState(dir, at(1));
    expect(r.reissued).toEqual([
      { file: 'server.pem', reason: 'key does not match certificate' },
      { file: 'admin.pem', reason: 'not issued by this CA' },
    ]);
    await expectConsistent(r.paths, T0.getTime());
  });

  it('never issues a leaf that outlives the CA', async () => {
    const r = await ensureState(dir, { ...at(0), caValidityDays: 100 });
    expect(r.serverNotAfter).toEqual(r.caNotAfter);
    expect(r.adminNotAfter).toEqual(r.caNotAfter);
    const server = new X509Certificate(await readFile(r.paths.serverCert));
    expect(new Date(server.validTo).getTime()).toBe(r.caNotAfter.getTime());
  });

  it('tightens a key file and the directory that became too open', async () => {
    const p = (await ensureState(dir, at(0))).paths;
    await chmod(p.serverKey, 0o644);
    await chmod(p.dir, 0o755);
    await ensureState(dir, at(1));
    expect(await mode(p.serverKey)).toBe(0o600);
    expect(await mode(p.dir)).toBe(0o700);
  });
});

describe('ensureState: broken state', () => {
  const failure = async (opts: EnsureStateOptions = at(1)) => {
    const e = await ensureState(dir, opts).then(
      () => undefined,
      (x: unknown) => x,
    );
    if (!isAuxError(e)) throw new Error(`expected an AuxError, got ${String(e)}`);
    return e;
  };

  it('a corrupt ca.pem is a clear EINVAL and nothing is replaced', async () => {
    const p = (await ensureState(dir, at(0))).paths;
    await writeFile(p.caCert, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    const before = await snapshot(p);
    const e = await failure();
    expect(e.code).toBe('EINVAL');
    expect(e.message).toMatch(/CA is corrupt.*restore ca\.pem and ca\.key.*move .* aside/);
    expect(await snapshot(p)).toEqual(before);
  });

  it('ca.key missing next to ca.pem is ENOENT, never a new CA', async () => {
    const p = (await ensureState(dir, at(0))).paths;
    await unlink(p.caKey);
    const e = await failure();
    expect(e.code).toBe('ENOENT');
    expect(e.message).toMatch(/ca\.key is missing/);
    expect(await readdir(p.dir)).not.toContain('ca.key');
  });

  it('an expired CA is EINVAL, not silently replaced', async () => {
    await ensureState(dir, {
      ...at(0),
      caValidityDays: 10,
      leafValidityDays: 5,
      renewWithinDays: 1,
    });
    expect((await failure(at(11))).message).toMatch(/CA is not valid now/);
  });

  it('an unreadable ca.pem (a directory) and a state path that is a file are EINVAL', async () => {
    await mkdir(join(dir, 'ca.pem'), { recursive: true });
    expect((await failure()).code).toBe('EINVAL');
    await rm(dir, { recursive: true });
    await writeFile(dir, 'x');
    expect((await failure()).message).toMatch(/not a directory/);
  });

  it('a corrupt client.json is EINVAL saying to fix or delete it; deleting regenerates it', async () => {
    const p = (await ensureState(dir, at(0))).paths;
    await writeFile(p.clientConfig, '{"version":1,');
    expect((await failure()).message).toMatch(/client\.json: not valid JSON; fix it or delete it/);
    await unlink(p.clientConfig);
    expect((await ensureState(dir, at(1))).created).toEqual(['client.json']);
  });

  it('property: after any damage to leaves or client.json, a start restores a consistent state', async () => {
    const p = statePaths(dir);
    await ensureState(dir, at(0));
    const damage = fc.constantFrom(
      'delete server.pem',
      'delete server.key',
      'delete admin.pem',
      'delete admin.key',
      'delete client.json',
      'garble server.pem',
      'garble admin.key',
      'swap keys',
    );
    let day = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(damage, { maxLength: 3 }),
        fc.integer({ min: 1, max: 200 }),
        async (acts, step) => {
          for (const act of acts) {
            const [verb, file] = act.split(' ') as [string, string];
            if (verb === 'delete') await rm(join(dir, file), { force: true });
            else if (verb === 'garble') await writeFile(join(dir, file), 'garbage');
            else {
              // Swap the two keys (when an earlier step has not deleted one).
              const read = (f: string) => readFile(f).catch(() => undefined);
              const [a, b] = await Promise.all([read(p.serverKey), read(p.adminKey)]);
              if (a !== undefined && b !== undefined) {
                await writeFile(p.serverKey, b);
                await writeFile(p.adminKey, a);
              }
            }
          }
          day += step;
          await ensureState(dir, at(day));
          await expectConsistent(p, T0.getTime() + day * DAY);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('defaultStateDir', () => {
  it('prefers AUXCTL_STATE_DIR, then XDG_STATE_HOME, then ~/.local/state', () => {
    expect(defaultStateDir({ AUXCTL_STATE_DIR: '/srv/a', XDG_STATE_HOME: '/x' }, '/home/u')).toBe(
      '/srv/a',
    );
    expect(defaultStateDir({ XDG_STATE_HOME: '/x' }, '/home/u')).toBe('/x/auxctl');
    expect(defaultStateDir({}, '/home/u')).toBe('/home/u/.local/state/auxctl');
  });
});
