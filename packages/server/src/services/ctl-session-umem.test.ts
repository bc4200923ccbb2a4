import { buildInbox } from '@auxctl/core';
import { accessRegisterRaw, type CtlChannel } from '@auxctl/ctl-aux';
import {
  AccessRegOpMod,
  CoreDumpReg,
  CoreDumpType,
  CreateUmemIn,
  Op,
  RegisterId,
} from '@auxctl/prm';
import {
  type CoredumpResponse,
  type CtlServiceClient,
  DumpMode,
  RpcScope,
  type SessionRequest,
  type SessionResponse,
  type UmemChunk,
  type UmemRegistered,
} from '@auxctl/proto';
import { type ClientDuplexStream, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PolicyDocument } from '../policy/index.js';
import { type Harness, startHarness } from '../test-support/server-harness.js';
import { SessionUmems, UMEM_CHUNK_DEFAULT } from './session-umem.js';

// Server-side umem in a Session, over a real server: register, let the
// device write into it through raw RPCs, read it back, unregister.

const ADMIN = 'spiffe://auxctl/admin';
const CONFIG_ONLY = 'spiffe://auxctl/config-only';
const DEV0 = '0000:08:00.0';
const CRDUMP_SIZE = 300 * 1024;
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [
    { principals: [ADMIN], methods: ['*'], devices: ['*'] },
    {
      principals: [CONFIG_ONLY],
      methods: ['auxctl.v1.CtlService/*'],
      devices: ['*'],
      maxScope: 'CONFIGURATION',
    },
  ],
};

type Kind = NonNullable<SessionResponse['kind']>;

/** RawSession: a Session stream whose answers are collected by request id. */
class RawSession {
  private nextId = 1;
  private readonly waiting = new Map<number, { got: Kind[]; done: (k: Kind[]) => void }>();
  readonly ended: Promise<ServiceError | undefined>;
  private readonly opened: Promise<void>;

  constructor(
    readonly stream: ClientDuplexStream<SessionRequest, SessionResponse>,
    scope: RpcScope,
  ) {
    this.ended = new Promise((resolve) => {
      stream.on('error', (e: ServiceError) => resolve(e));
      stream.on('status', (s: { code: number }) => {
        if (s.code === status.OK) resolve(undefined);
      });
    });
    this.opened = new Promise((resolve) => {
      stream.on('data', (m: SessionResponse) => {
        const k = m.kind;
        if (k?.$case === 'info') return resolve();
        if (!k) return;
        const id = (Object.values(k)[1] as { requestId: number }).requestId;
        const w = this.waiting.get(id);
        if (!w) throw new Error(`answer for ${id}, which nobody waits for`);
        w.got.push(k);
        if (k.$case !== 'umemChunk' || k.umemChunk.last) {
          this.waiting.delete(id);
          w.done(w.got);
        }
      });
    });
    stream.write({ kind: { $case: 'open', open: { device: DEV0, scope } } });
  }

  /** send: one request; resolves with every answer to it (a read: its chunks). */
  async send(make: (requestId: number) => SessionRequest['kind']): Promise<Kind[]> {
    await this.opened;
    const id = this.nextId++;
    return new Promise((done) => {
      this.waiting.set(id, { got: [], done });
      this.stream.write({ kind: make(id) });
    });
  }

  async umemReg(bytes: number): Promise<UmemRegistered> {
    const [k] = await this.send((requestId) => ({
      $case: 'umemReg',
      umemReg: { requestId, bytes },
    }));
    if (k?.$case !== 'umem') throw new Error(`umem_reg answered ${JSON.stringify(k)}`);
    return k.umem;
  }

  async umemRead(umemId: number, offset = 0, length = 0, chunkSize = 0): Promise<UmemChunk[]> {
    const got = await this.send((requestId) => ({
      $case: 'umemRead',
      umemRead: { requestId, umemId, offset, length, chunkSize },
    }));
    return got.map((k) => {
      if (k.$case !== 'umemChunk') throw new Error(`umem_read answered ${JSON.stringify(k)}`);
      return k.umemChunk;
    });
  }

  /** errorOf: the errno and message a request was refused with. */
  async errorOf(make: (requestId: number) => SessionRequest['kind']): Promise<[string, string]> {
    const [k] = await this.send(make);
    if (k?.$case !== 'error') throw new Error(`expected an error, got ${JSON.stringify(k)}`);
    return [k.error.code, k.error.message];
  }

  /** channel: the session as a ctl-aux channel, so ctl-aux's register helpers build the raw RPCs. */
  channel(): CtlChannel {
    const refuse = () => Promise.reject(new Error('not over the wire'));
    return {
      rpc: async ({ inbox, outLen }) => {
        const [k] = await this.send((requestId) => ({
          $case: 'rpc',
          rpc: { requestId, inbox: Buffer.from(inbox), outLen },
        }));
        if (k?.$case !== 'result') throw new Error(`rpc answered ${JSON.stringify(k)}`);
        return k.result.outbox;
      },
      umemReg: refuse,
      umemUnreg: refuse,
    };
  }
}

function coredumpBytes(c: CtlServiceClient): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const s = c.coredump({ device: DEV0, mode: DumpMode.DUMP_MODE_INLINE, chunkSize: 0 });
    s.on('data', (m: CoredumpResponse) => {
      if (m.frame?.$case === 'chunk') parts.push(m.frame.chunk.data);
    });
    s.on('error', reject);
    s.on('end', () => resolve(Buffer.concat(parts)));
  });
}

describe('server-side umem in a Session', () => {
  let h: Harness;
  let admin: CtlServiceClient;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, crdumpSize: CRDUMP_SIZE });
    admin = h.ctl(h.admin);
  });
  afterAll(async () => {
    await h.close();
  });

  it('CR_DUMP_TO_MEM into a session umem by a raw RPC reads back the device coredump', async () => {
    const fw = h.server.fleet.sim(DEV0).engine;
    const baseline = fw.objectCounts();
    const s = new RawSession(admin.session(), RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
    const umem = await s.umemReg(CRDUMP_SIZE);
    expect(umem.bytes).toBe(Math.ceil(CRDUMP_SIZE / 4096) * 4096);
    const reply = await accessRegisterRaw(
      s.channel(),
      RegisterId.CORE_DUMP,
      AccessRegOpMod.READ,
      CoreDumpReg.encode({
        core_dump_type: CoreDumpType.CR_DUMP_TO_MEM,
        mkey: umem.mkey,
        address: 0n,
        size: umem.bytes,
      }),
    );
    const r = CoreDumpReg.decode(reply);
    expect([r.dump_size, r.size, r.more_dump]).toEqual([CRDUMP_SIZE, CRDUMP_SIZE, 0]);

    const chunks = await s.umemRead(umem.umemId, 0, r.size, 16 * 1024);
    expect(chunks.every((c) => c.data.length <= 16 * 1024)).toBe(true);
    expect(chunks.map((c) => c.last)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
    let at = 0;
    for (const c of chunks) {
      expect(c.offset).toBe(at);
      at += c.data.length;
    }
    const viaUmem = Buffer.concat(chunks.map((c) => c.data));
    const streamed = await coredumpBytes(admin);
    expect(streamed.length).toBe(CRDUMP_SIZE);
    expect(viaUmem.equals(streamed)).toBe(true);

    // A read without length or chunk size: to the end, in default chunks.
    const whole = await s.umemRead(umem.umemId);
    expect(whole.length).toBe(Math.ceil(umem.bytes / UMEM_CHUNK_DEFAULT));
    expect(
      Buffer.concat(whole.map((c) => c.data))
        .subarray(0, CRDUMP_SIZE)
        .equals(streamed),
    ).toBe(true);

    const [k] = await s.send((requestId) => ({
      $case: 'umemUnreg',
      umemUnreg: { requestId, umemId: umem.umemId },
    }));
    expect(k).toEqual({
      $case: 'umemUnregistered',
      umemUnregistered: { requestId: expect.any(Number), umemId: umem.umemId },
    });
    s.stream.end();
    expect(await s.ended).toBeUndefined();
    expect(fw.objectCounts()).toEqual(baseline);
  });

  it('frees every umem, PD and mkey with the context when the session ends', async () => {
    const fw = h.server.fleet.sim(DEV0).engine;
    const baseline = fw.objectCounts();
    const s = new RawSession(admin.session(), RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
    await s.umemReg(8192);
    await s.umemReg(4096);
    expect(fw.objectCounts()).not.toEqual(baseline);
    s.stream.end();
    expect(await s.ended).toBeUndefined();
    expect(fw.objectCounts()).toEqual(baseline);
  });

  it('refuses bad umem requests with their errno, and the session goes on', async () => {
    const s = new RawSession(admin.session(), RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
    const umem = await s.umemReg(4096);
    const read = (umemId: number, offset: number, length: number, chunkSize = 0) =>
      s.errorOf((requestId) => ({
        $case: 'umemRead',
        umemRead: { requestId, umemId, offset, length, chunkSize },
      }));
    expect((await read(umem.umemId + 1000, 0, 0))[0]).toBe('ENOENT');
    expect((await read(umem.umemId, 4000, 200))[0]).toBe('EINVAL');
    expect((await read(umem.umemId, 4097, 0))[0]).toBe('EINVAL');
    expect((await read(umem.umemId, 0, 0, 2 * 1024 * 1024))[0]).toBe('EINVAL');
    const reg = (bytes: number) =>
      s.errorOf((requestId) => ({ $case: 'umemReg', umemReg: { requestId, bytes } }));
    expect((await reg(0))[0]).toBe('EINVAL');
    expect((await reg(64 * 1024 * 1024 + 1))[0]).toBe('EINVAL');
    const [code] = await s.errorOf((requestId) => ({
      $case: 'umemUnreg',
      umemUnreg: { requestId, umemId: umem.umemId + 1000 },
    }));
    expect(code).toBe('ENOENT');
    // An empty read at the end is one empty last chunk.
    const empty = await s.umemRead(umem.umemId, 4096, 0);
    expect(empty).toEqual([
      { requestId: expect.any(Number), offset: 4096, data: Buffer.alloc(0), last: true },
    ]);
    s.stream.end();
    expect(await s.ended).toBeUndefined();
  });

  it('a raw CREATE_UMEM is refused with a message naming the Session umem messages', async () => {
    const s = new RawSession(admin.session(), RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL);
    const [code, message] = await s.errorOf((requestId) => ({
      $case: 'rpc',
      rpc: { requestId, inbox: buildInbox(CreateUmemIn, Op.CREATE_UMEM), outLen: 16 },
    }));
    expect(code).toBe('EPERM');
    expect(message).toContain('umem_reg');
    expect(message).not.toContain('umemReg');
    s.stream.end();
    await s.ended;
  });

  it('a CONFIGURATION session cannot build the PD and mkey: EPERM, nothing left behind', async () => {
    const fw = h.server.fleet.sim(DEV0).engine;
    const baseline = fw.objectCounts();
    const s = new RawSession(
      h.ctl(await h.clientAs(CONFIG_ONLY)).session(),
      RpcScope.RPC_SCOPE_CONFIGURATION,
    );
    const [code, message] = await s.errorOf((requestId) => ({
      $case: 'umemReg',
      umemReg: { requestId, bytes: 4096 },
    }));
    expect(code).toBe('EPERM');
    expect(message).toContain('DEBUG_READ_ONLY');
    s.stream.end();
    expect(await s.ended).toBeUndefined();
    expect(fw.objectCounts()).toEqual(baseline);
  });

  it('a read to a client that does not read sends a bounded number of chunks, then the rest', async () => {
    const sent = { chunks: 0 };
    const read = SessionUmems.prototype.read;
    const spy = vi.spyOn(SessionUmems.prototype, 'read').mockImplementation(function (
      this: SessionUmems,
      req,
      sink,
    ) {
      return read.call(this, req, (chunk) => {
        sent.chunks++;
        return sink(chunk);
      });
    });
    try {
      const s = new RawSession(admin.session(), RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
      const size = 32 * 1024 * 1024;
      const umem = await s.umemReg(size);
      s.stream.pause();
      const all = s.umemRead(umem.umemId);
      const total = size / UMEM_CHUNK_DEFAULT;
      // Let the server run until it stops sending (bounded by iterations).
      let last = -1;
      for (let i = 0; i < 50 && sent.chunks !== last; i++) {
        last = sent.chunks;
        await new Promise((r) => setTimeout(r, 20));
      }
      // The transport holds its window (about 1 MiB here), the session one chunk at a time.
      expect(sent.chunks).toBeLessThan(total / 4);
      s.stream.resume();
      const chunks = await all;
      expect(chunks.length).toBe(total);
      expect(sent.chunks).toBe(total);
      s.stream.end();
      expect(await s.ended).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('server-side umem limits', () => {
  it('a context holds at most limits.umemBytesPerContext: ENOMEM beyond, room again after umem_unreg', async () => {
    const h = await startHarness({ limits: { umemBytesPerContext: 8192 } });
    try {
      const s = new RawSession(h.ctl(h.admin).session(), RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
      const a = await s.umemReg(4096);
      await s.umemReg(4096);
      const reg = (bytes: number) =>
        s.errorOf((requestId) => ({ $case: 'umemReg', umemReg: { requestId, bytes } }));
      expect((await reg(1))[0]).toBe('ENOMEM');
      await s.send((requestId) => ({
        $case: 'umemUnreg',
        umemUnreg: { requestId, umemId: a.umemId },
      }));
      expect((await s.umemReg(4096)).bytes).toBe(4096);
      s.stream.end();
      expect(await s.ended).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});
