import { buildInbox } from '@auxctl/core';
import {
  AllocPdIn,
  AllocPdOut,
  CapType,
  CmdHdrOut,
  hcaCapOpMod,
  NopIn,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
} from '@auxctl/prm';
import {
  type ActivateRequest,
  type ActivateResponse,
  type AddRequest,
  type AddResponse,
  type CtlServiceClient,
  type DeleteRequest,
  type DeleteResponse,
  type DeviceServiceClient,
  type ExecRequest,
  type ExecResponse,
  type GetHealthRequest,
  type GetHealthResponse,
  type ListDevicesRequest,
  type ListDevicesResponse,
  type ListRequest,
  type ListResponse,
  PortFunctionServiceClient,
  portFunctionStateToJSON,
  RpcScope,
  type SessionRequest,
  type SessionResponse,
  type WatchDevicesResponse,
} from '@auxctl/proto';
import { type ClientDuplexStream, credentials, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuxctlServer } from './auxctl-server.js';
import type { PolicyDocument } from './policy/index.js';
import { CertAuthority } from './security/index.js';
import { failure, type Harness, startHarness, unaryCall } from './test-support/server-harness.js';

const ADMIN = 'spiffe://auxctl/admin';
const OPS = 'spiffe://auxctl/ops';
const POLICY: PolicyDocument = {
  version: 1,
  deny: [{ principals: ['spiffe://auxctl/intruder'], methods: ['*'], devices: ['*'] }],
  allow: [
    { principals: [ADMIN], methods: ['*'], devices: ['*'] },
    {
      principals: [OPS],
      methods: ['auxctl.v1.CtlService/*', 'auxctl.v1.DeviceService/*'],
      devices: ['*'],
      maxScope: 'CONFIGURATION',
    },
  ],
};
const DEV0 = '0000:08:00.0';

const nop = (): Buffer => buildInbox(NopIn, Op.NOP);

function exec(client: CtlServiceClient, req: Partial<ExecRequest>): Promise<ExecResponse> {
  return unaryCall(client.exec.bind(client), {
    device: DEV0,
    scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
    inbox: nop(),
    outLen: 16,
    ...req,
  });
}

function list(c: DeviceServiceClient, devices: string[]): Promise<ListDevicesResponse> {
  return unaryCall<ListDevicesRequest, ListDevicesResponse>(c.listDevices.bind(c), { devices });
}

/** sessionAnswers: read `count` answers after info; bounded by the stream ending. */
function collect(
  stream: ClientDuplexStream<SessionRequest, SessionResponse>,
  count: number,
): Promise<SessionResponse[]> {
  return new Promise((resolve, reject) => {
    const got: SessionResponse[] = [];
    stream.on('data', (m: SessionResponse) => {
      got.push(m);
      if (got.length === count) resolve(got);
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(got));
  });
}

describe('AuxctlServer over mTLS', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, limits: { maxInFlight: 4 } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('lists two devices with eth, rdma and a bound ctl aux device', async () => {
    const c = h.devices(h.admin);
    const res = await list(c, []);
    expect(res.devices.map((d) => d.name)).toEqual([DEV0, '0000:09:00.0']);
    for (const d of res.devices) {
      const aux = d.auxDevices.map((a) => a.name);
      expect(aux).toEqual([
        `mlx5_core.eth.${d.id}`,
        `mlx5_core.rdma.${d.id}`,
        `mlx5_core.ctl.${d.id}`,
      ]);
      expect(d.auxDevices.find((a) => a.name.includes('.ctl.'))?.driver).not.toBe('');
      expect(d.health.map((r) => r.name)).toEqual([1, 2]);
    }
  });

  it('serves grpc.health.v1 as SERVING', async () => {
    const { service } = await import('grpc-health-check');
    const { makeGenericClientConstructor } = await import('@grpc/grpc-js');
    const Health = makeGenericClientConstructor(service, 'Health');
    const c = new Health(h.address, h.admin);
    const check = c.check;
    if (check === undefined) throw new Error('Health client has no check method');
    try {
      const res = await new Promise<{ status: string | number }>((resolve, reject) =>
        check.call(c, { service: '' }, (err: Error | null, r: { status: string | number }) =>
          err ? reject(err) : resolve(r),
        ),
      );
      expect(['SERVING', 1]).toContain(res.status);
    } finally {
      c.close();
    }
  });

  it('answers GetHealth with the diagnose of both reporters', async () => {
    const c = h.devices(h.admin);
    const res = await unaryCall<GetHealthRequest, GetHealthResponse>(c.getHealth.bind(c), {
      device: DEV0,
      reporters: [],
    });
    expect(res.reporters).toHaveLength(2);
    expect(res.reporters[0]?.diagnose).toMatchObject({ state: 'healthy', errorCount: 0 });
    const missing = await failure(
      unaryCall(c.getHealth.bind(c), { device: '0000:ff:00.0', reporters: [] }),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
  });

  it('refuses a client without a certificate', async () => {
    const ca = await import('node:fs/promises').then((fs) =>
      fs.readFile(h.server.state?.paths.caCert ?? ''),
    );
    const c = h.devices(credentials.createSsl(ca));
    const err = await failure(unaryCall(c.listDevices.bind(c), { devices: [] }));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toContain('no client certificate was presented');
  });

  it('refuses a certificate from another CA', async () => {
    const now = Date.now();
    const other = await CertAuthority.create({
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
    });
    const leaf = await other.issueClient({
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      commonName: 'x',
      uri: ADMIN,
    });
    const ca = await import('node:fs/promises').then((fs) =>
      fs.readFile(h.server.state?.paths.caCert ?? ''),
    );
    const c = h.devices(
      credentials.createSsl(ca, Buffer.from(leaf.keyPem), Buffer.from(leaf.certPem)),
    );
    const err = await failure(unaryCall(c.listDevices.bind(c), { devices: [] }));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toContain('the client certificate was refused');
    // The handshake went through, so the caller learns why: no call of either service runs.
    const ctl = h.ctl(
      credentials.createSsl(ca, Buffer.from(leaf.keyPem), Buffer.from(leaf.certPem)),
    );
    expect((await failure(exec(ctl, {}))).code).toBe(status.UNAUTHENTICATED);
  });

  it('refuses an expired certificate of its own CA with UNAUTHENTICATED, naming the reason', async () => {
    const { readFile } = await import('node:fs/promises');
    const paths = h.server.state?.paths;
    if (!paths) throw new Error('server has no state');
    const own = await CertAuthority.fromPem(
      await readFile(paths.caCert, 'utf8'),
      await readFile(paths.caKey, 'utf8'),
    );
    const now = Date.now();
    const leaf = await own.issueClient({
      notBefore: new Date(now - 3 * 86_400_000),
      notAfter: new Date(now - 86_400_000),
      commonName: 'expired',
      uri: ADMIN,
    });
    const ca = await readFile(paths.caCert);
    const c = h.devices(
      credentials.createSsl(ca, Buffer.from(leaf.keyPem), Buffer.from(leaf.certPem)),
    );
    const err = await failure(unaryCall(c.listDevices.bind(c), { devices: [] }));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    expect(err.details).toContain('CERT_HAS_EXPIRED');
  });

  it('denies a principal the policy denies, and a scope above its maxScope', async () => {
    const intruder = h.ctl(await h.clientAs('spiffe://auxctl/intruder'));
    expect((await failure(exec(intruder, {}))).code).toBe(status.PERMISSION_DENIED);
    const ops = h.ctl(await h.clientAs(OPS));
    expect((await failure(exec(ops, {}))).code).toBe(status.PERMISSION_DENIED);
    const ok = await exec(ops, {
      scope: RpcScope.RPC_SCOPE_CONFIGURATION,
      inbox: buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
        op_mod: hcaCapOpMod(CapType.GENERAL, true),
      }),
      outLen: QueryHcaCapOut.bytes,
    });
    expect(CmdHdrOut.get(ok.outbox, 'status')).toBe(0);
  });

  it('rejects a missing scope and a bad inbox with INVALID_ARGUMENT', async () => {
    const c = h.ctl(h.admin);
    expect((await failure(exec(c, { scope: RpcScope.RPC_SCOPE_UNSPECIFIED }))).code).toBe(
      status.INVALID_ARGUMENT,
    );
    const short = await failure(exec(c, { inbox: Buffer.alloc(4) }));
    expect(short.code).toBe(status.INVALID_ARGUMENT);
    expect(short.details).toMatch(/^EINVAL: /);
  });

  it('Exec of QUERY_HCA_CAP returns an outbox with status 0', async () => {
    const res = await exec(h.ctl(h.admin), {
      inbox: buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
        op_mod: hcaCapOpMod(CapType.GENERAL, true),
      }),
      outLen: QueryHcaCapOut.bytes,
    });
    expect(res.outbox.length).toBe(QueryHcaCapOut.bytes);
    expect(CmdHdrOut.get(res.outbox, 'status')).toBe(0);
  });

  it('a Session pipelines 32 NOPs past max_in_flight and answers each once', async () => {
    const stream = h.ctl(h.admin).session();
    const answers = collect(stream, 33);
    stream.write({
      kind: { $case: 'open', open: { device: DEV0, scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY } },
    });
    for (let i = 1; i <= 32; i++) {
      stream.write({ kind: { $case: 'rpc', rpc: { requestId: i, inbox: nop(), outLen: 16 } } });
    }
    stream.end();
    const got = await answers;
    const info = got[0]?.kind;
    expect(info?.$case).toBe('info');
    if (info?.$case === 'info') expect(info.info.maxInFlight).toBe(4);
    const ids = got
      .slice(1)
      .map((m) => (m.kind?.$case === 'result' ? m.kind.result.requestId : -1));
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('answers a refused RPC in a Session with its errno, and the session goes on', async () => {
    const stream = h.ctl(h.admin).session();
    const answers = collect(stream, 3);
    stream.write({
      kind: { $case: 'open', open: { device: DEV0, scope: RpcScope.RPC_SCOPE_CONFIGURATION } },
    });
    stream.write({ kind: { $case: 'rpc', rpc: { requestId: 7, inbox: nop(), outLen: 16 } } });
    stream.write({
      kind: { $case: 'rpc', rpc: { requestId: 8, inbox: Buffer.alloc(3), outLen: 16 } },
    });
    stream.end();
    const got = await answers;
    const errors = got.flatMap((m) => (m.kind?.$case === 'error' ? [m.kind.error] : []));
    expect(errors.map((e) => [e.requestId, e.code]).sort()).toEqual([
      [7, 'EPERM'],
      [8, 'EINVAL'],
    ]);
  });

  it('a DEBUG_WRITE RPC taints the device and ListDevices shows it', async () => {
    const dev1 = '0000:09:00.0';
    await exec(h.ctl(h.admin), { device: dev1, scope: RpcScope.RPC_SCOPE_DEBUG_WRITE });
    const c = h.devices(h.admin);
    const res = await list(c, [dev1]);
    expect(res.devices[0]?.taintReasons.length).toBeGreaterThan(0);
    const clean = await list(c, [DEV0]);
    expect(clean.devices[0]?.taintReasons).toEqual([]);
  });

  it('a client that cancels mid-session leaves firmware object counts at baseline', async () => {
    const fw = h.server.fleet.sim(DEV0).engine;
    const baseline = fw.objectCounts();
    const stream = h.ctl(h.admin).session();
    stream.on('error', () => {});
    const first = new Promise<void>((resolve) => stream.once('data', () => resolve()));
    stream.write({
      kind: { $case: 'open', open: { device: DEV0, scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY } },
    });
    await first;
    expect(fw.objectCounts()).not.toEqual(baseline);
    for (let i = 1; i <= 8; i++) {
      stream.write({ kind: { $case: 'rpc', rpc: { requestId: i, inbox: nop(), outLen: 16 } } });
    }
    stream.cancel();
    for (
      let i = 0;
      i < 200 && JSON.stringify(fw.objectCounts()) !== JSON.stringify(baseline);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fw.objectCounts()).toEqual(baseline);
  });

  it('streams WatchDevices snapshots and a taint event', async () => {
    const c = h.devices(h.admin);
    const stream = c.watchDevices({ devices: [DEV0], sendSnapshot: true, resumeAfter: 0 });
    stream.on('error', () => {});
    const seen: string[] = [];
    const sequences: number[] = [];
    const done = new Promise<void>((resolve) => {
      stream.on('data', (m: { sequence: number; event?: { $case: string } }) => {
        seen.push(m.event?.$case ?? '');
        sequences.push(m.sequence);
        if (m.event?.$case === 'snapshot') {
          void exec(h.ctl(h.admin), { scope: RpcScope.RPC_SCOPE_DEBUG_WRITE });
        }
        if (m.event?.$case === 'taint') resolve();
      });
    });
    await done;
    stream.cancel();
    expect(seen[0]).toBe('snapshot');
    expect(seen).toContain('taint');
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
  });
});

describe('PortFunctionService', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('adds, activates and deletes an SF; WatchDevices reports each step and ListDevices the tree', async () => {
    const pfc = new PortFunctionServiceClient(h.address, h.admin);
    const watch = h
      .devices(h.admin)
      .watchDevices({ devices: [DEV0], sendSnapshot: false, resumeAfter: 0 });
    watch.on('error', () => {});
    const states: string[] = [];
    const deleted = new Promise<void>((resolve) => {
      watch.on('data', (m: WatchDevicesResponse) => {
        if (m.event?.$case !== 'portFunction') return;
        const e = m.event.portFunction;
        states.push(e.deleted ? 'deleted' : portFunctionStateToJSON(e.portFunction?.state ?? 0));
        if (e.deleted) resolve();
      });
    });
    try {
      const added = await unaryCall<AddRequest, AddResponse>(pfc.add.bind(pfc), {
        device: DEV0,
        pfnum: 0,
        sfnum: 7,
      });
      const index = added.portFunction?.index ?? -1;
      const act = await unaryCall<ActivateRequest, ActivateResponse>(pfc.activate.bind(pfc), {
        device: DEV0,
        index,
      });
      const sf = act.portFunction?.device ?? '';
      const listed = await list(h.devices(h.admin), []);
      expect(listed.devices.find((d) => d.name === sf)?.parent).toBe(DEV0);
      expect(listed.devices.find((d) => d.name === DEV0)?.portFunctions[0]?.sfnum).toBe(7);
      await unaryCall<DeleteRequest, DeleteResponse>(pfc.delete.bind(pfc), { device: DEV0, index });
      await deleted;
      expect(states[0]).toBe('PORT_FUNCTION_STATE_INACTIVE');
      expect(states).toContain('PORT_FUNCTION_STATE_ATTACHED');
      expect(states.at(-1)).toBe('deleted');
      const missing = await failure(
        unaryCall<ActivateRequest, ActivateResponse>(pfc.activate.bind(pfc), {
          device: DEV0,
          index,
        }),
      );
      expect(missing.code).toBe(status.NOT_FOUND);
      const onSf = await failure(
        unaryCall<ListRequest, ListResponse>(pfc.list.bind(pfc), { device: sf }),
      );
      expect(onSf.code).toBe(status.NOT_FOUND);
    } finally {
      watch.cancel();
      pfc.close();
    }
  });
});

describe('Exec keeps a pristine context for the next Exec', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ execContextIdleMs: 200 });
  });
  afterAll(() => h.close());

  const uctxs = () => h.server.fleet.sim(DEV0).engine.objectCounts().UCTX ?? 0;

  it('shares one context across consecutive Execs, closes one that made objects, and drops idle ones', async () => {
    const c = h.ctl(h.admin);
    const base = uctxs();
    for (let i = 0; i < 5; i++) expect((await exec(c, {})).outbox[0]).toBe(0);
    expect(uctxs()).toBe(base + 1);
    // ALLOC_PD leaves a PD in the context: it is closed (PD and all) instead of kept.
    const pd = await exec(c, {
      inbox: buildInbox(AllocPdIn, Op.ALLOC_PD),
      outLen: AllocPdOut.bytes,
    });
    expect(pd.outbox[0]).toBe(0);
    expect(h.server.fleet.sim(DEV0).engine.objectCounts().PD).toBeUndefined();
    expect(uctxs()).toBe(base);
    await exec(c, {});
    expect(uctxs()).toBe(base + 1);
    for (let i = 0; i < 300 && uctxs() !== base; i++) await new Promise((r) => setTimeout(r, 10));
    expect(uctxs()).toBe(base);
  });
});

describe('AuxctlServer with bearer tokens', () => {
  const secret = 'a-test-secret-of-at-least-32-bytes!!';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ bearer: { key: { secret }, algorithms: ['HS256'] } });
  });
  afterAll(async () => {
    await h.close();
  });

  it('answers a bad token with UNAUTHENTICATED and a good one normally', async () => {
    const { bearerCallCredentials, mintBearer } = await import('./security/index.js');
    const ca = await import('node:fs/promises').then((fs) =>
      fs.readFile(h.server.state?.paths.caCert ?? ''),
    );
    const withToken = (t: string) =>
      credentials.combineChannelCredentials(credentials.createSsl(ca), bearerCallCredentials(t));
    const forged = await mintBearer({
      key: { secret: `${secret}-other` },
      alg: 'HS256',
      sub: ADMIN,
    });
    const bad = h.devices(withToken(forged));
    const err = await failure(unaryCall(bad.listDevices.bind(bad), { devices: [] }));
    expect(err.code).toBe(status.UNAUTHENTICATED);
    const none = h.devices(credentials.createSsl(ca));
    expect((await failure(unaryCall(none.listDevices.bind(none), { devices: [] }))).code).toBe(
      status.UNAUTHENTICATED,
    );
    const good = h.devices(
      withToken(await mintBearer({ key: { secret }, alg: 'HS256', sub: ADMIN })),
    );
    const res = await list(good, []);
    expect(res.devices).toHaveLength(2);
  });
});

describe('AuxctlServer --insecure', () => {
  it('refuses a non-loopback listen address before touching anything', async () => {
    const s = new AuxctlServer({
      stateDir: '/nonexistent/never-created',
      listen: '0.0.0.0:0',
      insecure: true,
    });
    await expect(s.start()).rejects.toMatchObject({ code: 'EPERM' });
  });
});
