import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChannelCredentials, credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BearerVerifier, mintBearer } from './bearer.js';
import { http2SessionOfCall } from './call-chain.js';
import { CertAuthority, type IssuedCertificate } from './cert-authority.js';
import { principalOfCall } from './principal.js';
import { ensureState } from './state-dir.js';
import { callWhoAmI, type ProbeServer, startProbeServer } from './test-support/probe-service.js';
import {
  bearerCallCredentials,
  clientConnectionFromConfig,
  mtlsServerCredentials,
  optionalClientCertServerCredentials,
} from './tls-credentials.js';

// TLS checks validity against the real clock, so the windows here are wide
// and relative to it; nothing below asserts a time.
const DAY = 86_400_000;
const base = Date.now();
const current = { notBefore: new Date(base - DAY), notAfter: new Date(base + 10 * DAY) };
// Bearer tokens are checked against an injected clock instead.
const T0 = new Date('2031-05-04T12:00:00Z');
const SECRET = 'a test secret that is long enough for HS256!';
const AUD = 'auxctld';

let ca: CertAuthority;
let server: IssuedCertificate;
let admin: IssuedCertificate;
let cnOnly: IssuedCertificate;
let foreign: CertAuthority;
let foreignClient: IssuedCertificate;
let expired: IssuedCertificate;
let notYet: IssuedCertificate;

const tlsWith = (c?: IssuedCertificate, root: CertAuthority = ca): ChannelCredentials =>
  c === undefined
    ? credentials.createSsl(Buffer.from(root.certPem))
    : credentials.createSsl(
        Buffer.from(root.certPem),
        Buffer.from(c.keyPem),
        Buffer.from(c.certPem),
      );

beforeAll(async () => {
  ca = await CertAuthority.create(current);
  server = await ca.issueServer(current);
  admin = await ca.issueClient({ ...current, commonName: 'admin', uri: 'spiffe://auxctl/admin' });
  cnOnly = await ca.issueClient({ ...current, commonName: 'bmc-07.rack3' });
  foreign = await CertAuthority.create(current);
  foreignClient = await foreign.issueClient({
    ...current,
    commonName: 'admin',
    uri: 'spiffe://auxctl/admin',
  });
  expired = await ca.issueClient({
    notBefore: new Date(base - 3 * DAY),
    notAfter: new Date(base - DAY),
    commonName: 'old',
    uri: 'spiffe://auxctl/admin',
  });
  notYet = await ca.issueClient({
    notBefore: new Date(base + DAY),
    notAfter: new Date(base + 3 * DAY),
    commonName: 'early',
  });
});

describe('mutual TLS', () => {
  let srv: ProbeServer;
  beforeAll(async () => {
    srv = await startProbeServer(
      mtlsServerCredentials({ caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem }),
      async (call) => principalOfCall(call),
    );
  });
  afterAll(() => srv.stop());

  it('the admin certificate reaches the handler as its SPIFFE id', async () => {
    expect(await callWhoAmI(srv.port, tlsWith(admin))).toEqual({
      ok: true,
      reply: { principal: 'spiffe://auxctl/admin' },
    });
  });

  it('finds the connection of a real call, and each connection keeps its own principal', async () => {
    const seen: { session: object | undefined; principal: string | undefined }[] = [];
    const probe = await startProbeServer(
      mtlsServerCredentials({ caPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem }),
      async (call) => {
        const principal = principalOfCall(call);
        seen.push({ session: http2SessionOfCall(call), principal });
        return principal;
      },
    );
    try {
      for (const c of [admin, cnOnly, admin, cnOnly]) await callWhoAmI(probe.port, tlsWith(c));
    } finally {
      probe.stop();
    }
    expect(seen.map((s) => s.principal)).toEqual([
      'spiffe://auxctl/admin',
      'bmc-07.rack3',
      'spiffe://auxctl/admin',
      'bmc-07.rack3',
    ]);
    for (const s of seen) expect(s.session).toBeTypeOf('object');
    expect(seen[0]?.session === seen[1]?.session).toBe(false);
  });

  it('a certificate without URI SAN is known by its CN', async () => {
    expect(await callWhoAmI(srv.port, tlsWith(cnOnly))).toEqual({
      ok: true,
      reply: { principal: 'bmc-07.rack3' },
    });
  });

  it.each([
    ['no client certificate', () => tlsWith(undefined)],
    ['a certificate from another CA', () => tlsWith(foreignClient)],
    ['an expired certificate', () => tlsWith(expired)],
    ['a certificate not valid yet', () => tlsWith(notYet)],
    ['a server certificate used as client (no clientAuth)', () => tlsWith(server)],
  ])('%s fails the call as UNAVAILABLE', async (_what, creds) => {
    const out = await callWhoAmI(srv.port, creds());
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.code).toBe(status.UNAVAILABLE);
  });

  it('a client that does not trust the server CA fails', async () => {
    const out = await callWhoAmI(srv.port, tlsWith(admin, foreign));
    expect(out).toMatchObject({ ok: false, code: status.UNAVAILABLE });
  });

  it('a client.json written by ensureState connects as the admin principal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'auxctl-tls-'));
    try {
      const report = await ensureState(join(dir, 'state'));
      const { readFile } = await import('node:fs/promises');
      const own = await startProbeServer(
        mtlsServerCredentials({
          caPem: await readFile(report.paths.caCert),
          certPem: await readFile(report.paths.serverCert),
          keyPem: await readFile(report.paths.serverKey),
        }),
        async (call) => principalOfCall(call),
      );
      try {
        const conn = await clientConnectionFromConfig(report.clientConfig);
        expect(await callWhoAmI(own.port, conn.credentials, conn.options)).toEqual({
          ok: true,
          reply: { principal: 'spiffe://auxctl/admin' },
        });
      } finally {
        own.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('bearer-token mode (client certificate optional)', () => {
  let srv: ProbeServer;
  beforeAll(async () => {
    const verifier = await BearerVerifier.create({
      key: { secret: SECRET },
      algorithms: ['HS256'],
      audience: AUD,
      now: () => T0,
    });
    srv = await startProbeServer(
      optionalClientCertServerCredentials({
        caPem: ca.certPem,
        certPem: server.certPem,
        keyPem: server.keyPem,
      }),
      async (call) => {
        const cert = principalOfCall(call);
        if (cert !== undefined) return `cert:${cert}`;
        const auth = call.metadata.get('authorization')[0];
        const who = await verifier.verifyBearer(typeof auth === 'string' ? auth : undefined);
        return `token:${who.principal}`;
      },
    );
  });
  afterAll(() => srv.stop());

  const token = (over: Partial<Parameters<typeof mintBearer>[0]> = {}) =>
    mintBearer({
      key: { secret: SECRET },
      alg: 'HS256',
      sub: 'fleet-debugger',
      audience: AUD,
      issuedAt: T0,
      ...over,
    });
  const withToken = (t: string, cert?: IssuedCertificate, root?: CertAuthority) =>
    credentials.combineChannelCredentials(tlsWith(cert, root), bearerCallCredentials(t));

  it('a valid token without client certificate yields sub as principal', async () => {
    expect(await callWhoAmI(srv.port, withToken(await token()))).toEqual({
      ok: true,
      reply: { principal: 'token:fleet-debugger' },
    });
  });

  it('a verified client certificate still identifies the peer', async () => {
    expect(await callWhoAmI(srv.port, tlsWith(admin))).toEqual({
      ok: true,
      reply: { principal: 'cert:spiffe://auxctl/admin' },
    });
  });

  it('a certificate from another CA gives no principal; the token decides', async () => {
    expect(await callWhoAmI(srv.port, withToken(await token(), foreignClient))).toEqual({
      ok: true,
      reply: { principal: 'token:fleet-debugger' },
    });
  });

  it.each([
    [
      'expired',
      () => token({ issuedAt: new Date(T0.getTime() - 2 * 3600_000), ttlSec: 600 }),
      'expired',
    ],
    ['bad signature', () => token({ key: { secret: `${SECRET}-other` } }), 'signature'],
    ['wrong audience', () => token({ audience: 'someone-else' }), 'audience'],
  ])('a token that is %s is UNAUTHENTICATED', async (_what, make, reason) => {
    const out = await callWhoAmI(srv.port, withToken(await make()));
    expect(out).toMatchObject({ ok: false, code: status.UNAUTHENTICATED });
    if (!out.ok) expect(out.details).toContain(reason === 'signature' ? 'signature' : reason);
  });

  it('no token and no certificate is UNAUTHENTICATED', async () => {
    expect(await callWhoAmI(srv.port, tlsWith(undefined))).toMatchObject({
      ok: false,
      code: status.UNAUTHENTICATED,
    });
  });
});
