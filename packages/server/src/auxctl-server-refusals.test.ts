/**
 * End-to-end: every refusal auxctld makes is one audit line — failed
 * authentication (with what was presented), a token on a server that takes
 * none, rate limits (Exec and each RPC inside a Session), oversize and
 * malformed request messages (sent as raw bytes by a client with its own
 * serializer, for every method), a principal that may see no device — and
 * audit lines name a device the way the API does.
 */
import { readFile } from 'node:fs/promises';
import { buildInbox } from '@auxctl/core';
import { captureLog } from '@auxctl/core/testing';
import { NopIn, Op } from '@auxctl/prm';
import * as proto from '@auxctl/proto';
import {
  type CtlServiceClient,
  type ExecRequest,
  type ExecResponse,
  RpcScope,
  type SessionResponse,
} from '@auxctl/proto';
import {
  type ChannelCredentials,
  Client,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyDocument } from './policy/index.js';
import { bearerCallCredentials, CertAuthority, mintBearer } from './security/index.js';
import { failure, type Harness, startHarness, unaryCall } from './test-support/server-harness.js';

const ADMIN = 'spiffe://auxctl/admin';
const NOBODY = 'spiffe://auxctl/nobody';
const DEV0 = '0000:08:00.0';
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
};
const nop = (): Buffer => buildInbox(NopIn, Op.NOP);

type Line = Record<string, unknown>;

const refusals = (lines: Line[]): Line[] => lines.filter((l) => l.event === 'refused');

function exec(client: CtlServiceClient, req: Partial<ExecRequest> = {}): Promise<ExecResponse> {
  return unaryCall(client.exec.bind(client), {
    device: DEV0,
    scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
    inbox: nop(),
    outLen: 16,
    ...req,
  });
}

async function leafOf(
  h: Harness,
  opts: { notBefore: Date; notAfter: Date; uri: string; otherCa?: boolean },
): Promise<ChannelCredentials> {
  const paths = h.server.state?.paths;
  if (!paths) throw new Error('server has no state');
  const now = Date.now();
  const ca = opts.otherCa
    ? await CertAuthority.create({
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
      })
    : await CertAuthority.fromPem(
        await readFile(paths.caCert, 'utf8'),
        await readFile(paths.caKey, 'utf8'),
      );
  const leaf = await ca.issueClient({ ...opts, commonName: 'presented-cn' });
  return credentials.createSsl(
    await readFile(paths.caCert),
    Buffer.from(leaf.keyPem),
    Buffer.from(leaf.certPem),
  );
}

async function caOnly(h: Harness): Promise<ChannelCredentials> {
  return credentials.createSsl(await readFile(h.server.state?.paths.caCert ?? ''));
}

/**
 * rawCall: call `path` with `bytes` as the request message, as a client
 * with its own serializer would; resolves the status the call ended with.
 */
function rawCall(
  client: Client,
  path: string,
  kind: { requestStream: boolean; responseStream: boolean },
  bytes: Buffer,
): Promise<{ code: status; details: string }> {
  const id = (b: Buffer): Buffer => b;
  const deadline = Date.now() + 10_000;
  return new Promise((resolve) => {
    const settle = (e: ServiceError | null): void =>
      resolve(e ? { code: e.code, details: e.details } : { code: status.OK, details: '' });
    if (!kind.requestStream && !kind.responseStream) {
      client.makeUnaryRequest(path, id, id, bytes, new Metadata(), { deadline }, (e) => settle(e));
      return;
    }
    const listen = (stream: NodeJS.EventEmitter): void => {
      stream.on('data', () => {});
      stream.on('error', (e: ServiceError) => settle(e));
      stream.on('status', (s: { code: status }) => {
        if (s.code === status.OK) settle(null);
      });
    };
    if (kind.requestStream) {
      const stream = client.makeBidiStreamRequest(path, id, id, new Metadata(), { deadline });
      listen(stream);
      stream.write(bytes);
      stream.end();
    } else {
      listen(client.makeServerStreamRequest(path, id, id, bytes, new Metadata(), { deadline }));
    }
  });
}

type RawMethod = { path: string; requestStream: boolean; responseStream: boolean };

// A length-delimited field 1 that claims 5 bytes where there are none: no proto message parses it.
const MALFORMED = Buffer.from([0x0a, 0x05]);

describe('refusals over mTLS are audited', () => {
  let h: Harness;
  const audit = captureLog('info');
  beforeAll(async () => {
    h = await startHarness({
      policy: POLICY,
      auditLogger: audit.log,
      limits: { maxMessageBytes: 4096 },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('audits each failed authentication with its reason and what the caller presented', async () => {
    const now = Date.now();
    const cases: [string, ChannelCredentials][] = [
      ['no-certificate', await caOnly(h)],
      [
        'other CA',
        await leafOf(h, {
          notBefore: new Date(now - 60_000),
          notAfter: new Date(now + 3_600_000),
          uri: 'spiffe://auxctl/forged',
          otherCa: true,
        }),
      ],
      [
        'CERT_HAS_EXPIRED',
        await leafOf(h, {
          notBefore: new Date(now - 3 * 86_400_000),
          notAfter: new Date(now - 86_400_000),
          uri: 'spiffe://auxctl/expired',
        }),
      ],
      [
        'CERT_NOT_YET_VALID',
        await leafOf(h, {
          notBefore: new Date(now + 86_400_000),
          notAfter: new Date(now + 3 * 86_400_000),
          uri: 'spiffe://auxctl/early',
        }),
      ],
    ];
    for (const [why, creds] of cases) {
      const before = refusals(audit.lines).length;
      const err = await failure(exec(h.ctl(creds)));
      expect(err.code, why).toBe(status.UNAUTHENTICATED);
      const lines = refusals(audit.lines).slice(before);
      expect(lines, why).toHaveLength(1);
      expect(lines[0], why).toMatchObject({
        kind: 'authentication',
        method: 'auxctl.v1.CtlService/Exec',
        code: 'UNAUTHENTICATED',
        errno: 'EKEYREJECTED',
      });
      expect(String(lines[0]?.reason), why).toContain('certificate');
      expect(lines[0]?.principal, why).toBeUndefined();
      if (why === 'no-certificate') expect(lines[0]?.cause).toBe('no-certificate');
      else {
        expect(lines[0]?.presented, why).toMatchObject({ cert_subject_cn: 'presented-cn' });
        expect(String(lines[0]?.presented && (lines[0].presented as Line).cert_uri)).toMatch(
          /^spiffe:\/\/auxctl\//,
        );
      }
      if (why.startsWith('CERT_')) expect(lines[0]?.cause).toBe(why);
    }
  });

  // Unauthenticated refusals from one host share a line budget (10 at once): this runs early.
  it('audits a refused server reflection call like any other', async () => {
    const anon = new Client(h.address, await caOnly(h));
    const path = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
    const before = refusals(audit.lines).length;
    try {
      const r = await rawCall(anon, path, { requestStream: true, responseStream: true }, MALFORMED);
      expect(r.code).toBe(status.UNAUTHENTICATED);
    } finally {
      anon.close();
    }
    expect(refusals(audit.lines).slice(before)).toMatchObject([
      { kind: 'authentication', method: path.slice(1), cause: 'no-certificate' },
    ]);
  });

  it('refuses a bearer token on a server without bearer mode, saying so, and audits its sub', async () => {
    const token = await mintBearer({
      key: { secret: 'x'.repeat(40) },
      alg: 'HS256',
      sub: 'spiffe://auxctl/token-user',
    });
    const creds = credentials.combineChannelCredentials(h.admin, bearerCallCredentials(token));
    const before = refusals(audit.lines).length;
    const err = await failure(exec(h.ctl(creds)));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toContain('does not accept bearer tokens');
    const [line] = refusals(audit.lines).slice(before);
    expect(line).toMatchObject({
      kind: 'authentication',
      cause: 'bearer-not-accepted',
      presented: { token_sub: 'spiffe://auxctl/token-user', cert_uri: ADMIN },
    });
    expect(JSON.stringify(audit.lines)).not.toContain(token);
  });

  it('refuses a message over the limit after authentication, with an audit line', async () => {
    const big = Buffer.alloc(5000);
    const before = refusals(audit.lines).length;
    const err = await failure(exec(h.ctl(h.admin), { inbox: big }));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toContain('limit of 4096 bytes');
    expect(refusals(audit.lines).slice(before)).toMatchObject([
      { kind: 'message', principal: ADMIN, method: 'auxctl.v1.CtlService/Exec', cause: 'oversize' },
    ]);
    // Unauthenticated, the size is never looked at.
    const anon = await failure(exec(h.ctl(await caOnly(h)), { inbox: big }));
    expect(anon.code).toBe(status.UNAUTHENTICATED);
  });

  it('audits a message grpc-js refuses by itself (over its transport limit), with what was presented', async () => {
    // Over twice maxMessageBytes (4096) and 64 KiB more: grpc-js refuses it from its length prefix.
    const huge = Buffer.alloc(70_000);
    const before = refusals(audit.lines).length;
    const err = await failure(exec(h.ctl(h.admin), { inbox: huge }));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refusals(audit.lines).slice(before)).toMatchObject([
      {
        kind: 'message',
        method: 'auxctl.v1.CtlService/Exec',
        code: 'RESOURCE_EXHAUSTED',
        cause: 'transport',
        presented: { cert_uri: ADMIN },
        reason: expect.stringContaining('larger than max'),
      },
    ]);
    expect(String(refusals(audit.lines).at(-1)?.peer)).toMatch(/^127\.0\.0\.1:\d+$/);
    // A call the server answers itself still leaves exactly one line.
    const ok = await exec(h.ctl(h.admin));
    expect(ok.outbox.length).toBeGreaterThan(0);
    expect(refusals(audit.lines).length).toBe(before + 1);
  });

  it('answers malformed bytes on every method: UNAUTHENTICATED first, then INVALID_ARGUMENT (audited)', async () => {
    const services = Object.entries(proto).filter(([name]) => name.endsWith('ServiceService'));
    expect(services.length).toBeGreaterThanOrEqual(3);
    const anon = new Client(h.address, await caOnly(h));
    const admin = new Client(h.address, h.admin);
    const before = refusals(audit.lines).length;
    const paths: string[] = [];
    try {
      for (const [, def] of services) {
        for (const m of Object.values(def as Record<string, RawMethod>)) {
          paths.push(m.path.slice(1));
          const a = await rawCall(anon, m.path, m, MALFORMED);
          expect(a.code, `${m.path} unauthenticated`).toBe(status.UNAUTHENTICATED);
          const b = await rawCall(admin, m.path, m, MALFORMED);
          expect(b.code, `${m.path} admin: ${b.details}`).toBe(status.INVALID_ARGUMENT);
          expect(b.details).toMatch(/^EINVAL: request message is not a valid/);
        }
      }
    } finally {
      anon.close();
      admin.close();
    }
    // One refusal each (lines past the per-principal budget arrive as a summary's count).
    await vi.waitFor(
      () => {
        const lines = refusals(audit.lines).slice(before);
        const mine = lines.filter((l) => l.kind === 'message' && l.principal === ADMIN);
        expect(mine.every((l) => l.cause === 'malformed' && paths.includes(String(l.method)))).toBe(
          true,
        );
        expect(
          mine.reduce((n, l) => n + (typeof l.suppressed === 'number' ? l.suppressed : 1), 0),
        ).toBe(paths.length);
        // The unauthenticated attempts are audited as authentication failures.
        expect(lines.filter((l) => l.kind === 'authentication').length).toBeGreaterThan(0);
      },
      { timeout: 5000 },
    );
  });

  it('denies ListDevices to a principal that may see no device, with an audit line', async () => {
    const c = h.devices(await h.clientAs(NOBODY));
    const before = refusals(audit.lines).length;
    const err = await failure(unaryCall(c.listDevices.bind(c), { devices: [] }));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(refusals(audit.lines).slice(before)).toMatchObject([
      {
        kind: 'authorization',
        principal: NOBODY,
        method: 'auxctl.v1.DeviceService/ListDevices',
        code: 'PERMISSION_DENIED',
      },
    ]);
  });

  it('denies WatchDevices to a principal that may see no device, with an audit line', async () => {
    const c = h.devices(await h.clientAs(NOBODY));
    const before = refusals(audit.lines).length;
    const stream = c.watchDevices({ devices: [], sendSnapshot: true, resumeAfter: 0 });
    const err = await new Promise<ServiceError>((resolve) => {
      stream.on('data', () => undefined);
      stream.on('error', resolve);
    });
    expect(err.code, err.details).toBe(status.PERMISSION_DENIED);
    expect(refusals(audit.lines).slice(before)).toMatchObject([
      {
        kind: 'authorization',
        principal: NOBODY,
        method: 'auxctl.v1.DeviceService/WatchDevices',
        code: 'PERMISSION_DENIED',
      },
    ]);
  });

  it('names a device in audit lines as the API does (PCI address), never by its ctl device', async () => {
    await exec(h.ctl(h.admin));
    const ctl = audit.lines.filter((l) => String(l.event).startsWith('ctl.'));
    expect(ctl.length).toBeGreaterThan(0);
    expect(new Set(ctl.map((l) => l.device))).toEqual(new Set([DEV0]));
    expect(JSON.stringify(audit.lines)).not.toContain('mlx5ctl-');
  });
});

describe('bearer refusals are audited', () => {
  const secret = 'a-test-secret-of-at-least-32-bytes!!';
  let h: Harness;
  const audit = captureLog('info');
  beforeAll(async () => {
    h = await startHarness({
      policy: POLICY,
      auditLogger: audit.log,
      bearer: { key: { secret }, algorithms: ['HS256'] },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('records a forged and an expired token with the reason and the unverified sub', async () => {
    const ca = await caOnly(h);
    const with_ = (t: string) =>
      h.ctl(credentials.combineChannelCredentials(ca, bearerCallCredentials(t)));
    const forged = await mintBearer({
      key: { secret: `${secret}-x` },
      alg: 'HS256',
      sub: 'mallory',
    });
    const expired = await mintBearer({
      key: { secret },
      alg: 'HS256',
      sub: 'late',
      issuedAt: new Date(Date.now() - 7_200_000),
      ttlSec: 60,
    });
    for (const [token, sub, cause] of [
      [forged, 'mallory', 'signature'],
      [expired, 'late', 'expired'],
    ] as const) {
      const before = refusals(audit.lines).length;
      expect((await failure(exec(with_(token)))).code).toBe(status.UNAUTHENTICATED);
      expect(refusals(audit.lines).slice(before)).toMatchObject([
        { kind: 'authentication', cause, presented: { token_sub: sub }, code: 'UNAUTHENTICATED' },
      ]);
    }
  });
});

describe('the per-principal rate limit', () => {
  let h: Harness;
  const audit = captureLog('info');
  beforeAll(async () => {
    // 0.01 tokens a second: nothing refills within a test.
    h = await startHarness({
      policy: POLICY,
      auditLogger: audit.log,
      limits: { ratePerSec: 0.01, rateBurst: 8 },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it('covers each RPC inside a Session: refused RPCs get EBUSY, the session stays open, each is audited', async () => {
    const stream = h.ctl(h.admin).session();
    const got: SessionResponse[] = [];
    const ended = new Promise<status>((resolve) => {
      stream.on('data', (m: SessionResponse) => got.push(m));
      stream.on('error', (e: ServiceError) => resolve(e.code));
      stream.on('status', (s: { code: status }) => resolve(s.code));
    });
    stream.write({
      kind: { $case: 'open', open: { device: DEV0, scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY } },
    });
    const n = 30;
    for (let i = 1; i <= n; i++) {
      stream.write({ kind: { $case: 'rpc', rpc: { requestId: i, inbox: nop(), outLen: 16 } } });
    }
    stream.end();
    expect(await ended).toBe(status.OK);
    const results = got.filter((m) => m.kind?.$case === 'result').length;
    const busy = got.filter((m) => m.kind?.$case === 'error' && m.kind.error.code === 'EBUSY');
    // The Session call took one token, its RPCs the other 7.
    expect(results).toBe(7);
    expect(busy).toHaveLength(n - 7);
    // An Exec now is refused as well (the same bucket).
    expect((await failure(exec(h.ctl(h.admin)))).code).toBe(status.RESOURCE_EXHAUSTED);
    // Every refusal is counted in the audit log: a line each, or a summary's count.
    await vi.waitFor(
      () => {
        const lines = refusals(audit.lines).filter((l) => l.kind === 'limit');
        const total = lines.reduce(
          (s, l) => s + (typeof l.suppressed === 'number' ? l.suppressed : 1),
          0,
        );
        expect(total).toBe(n - 7 + 1);
      },
      { timeout: 5000 },
    );
    const sessionLines = refusals(audit.lines).filter(
      (l) => l.method === 'auxctl.v1.CtlService/Session',
    );
    expect(sessionLines[0]).toMatchObject({
      kind: 'limit',
      principal: ADMIN,
      device: DEV0,
      code: 'RESOURCE_EXHAUSTED',
      errno: 'EBUSY',
      cause: 'call rate',
    });
    // Lines are limited per principal: a burst, then summaries.
    expect(refusals(audit.lines).filter((l) => l.suppressed === undefined).length).toBeLessThan(n);
  });
});
