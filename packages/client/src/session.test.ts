import {
  CtlServiceService,
  RpcScope,
  type SessionRequest,
  type SessionResponse,
} from '@auxctl/proto';
import { type ServerDuplexStream, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AuxctlError } from './auxctl-error.js';
import { grpcError, startTestServer, type TestServer } from './test-support/test-server.js';

type Call = ServerDuplexStream<SessionRequest, SessionResponse>;

let running: TestServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const INFO = { uid: 7, uctxCap: 5, devUctxCap: 7, ucap: 5, tainted: [], maxInFlight: 8 };

/** inboxOf: a 16-byte header plus the request's number, so an outbox shows whose answer it is. */
const inboxOf = (n: number): Buffer => {
  const b = Buffer.alloc(20);
  b.writeUInt32BE(n, 16);
  return b;
};

/**
 * serveSession: open -> info; then `onRpcs` sees the outstanding RPCs each
 * time one arrives and decides what to answer. Records the most RPCs it ever
 * had outstanding.
 */
function sessionServer(
  onRpc: (call: Call, outstanding: Map<number, Buffer>) => void,
  maxInFlight = 8,
) {
  const stats = { peak: 0, opened: undefined as SessionRequest['kind'] };
  const handlers = {
    session(call: Call) {
      const outstanding = new Map<number, Buffer>();
      call.on('data', (req: SessionRequest) => {
        const kind = req.kind;
        if (kind?.$case === 'open') {
          stats.opened = kind;
          if (kind.open.scope === RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL) {
            call.emit('error', grpcError(status.PERMISSION_DENIED, 'scope not allowed for you'));
            return;
          }
          call.write({ kind: { $case: 'info', info: { ...INFO, maxInFlight } } });
          return;
        }
        if (kind?.$case !== 'rpc') return;
        outstanding.set(kind.rpc.requestId, kind.rpc.inbox);
        stats.peak = Math.max(stats.peak, outstanding.size);
        onRpc(call, outstanding);
      });
      call.on('end', () => call.end());
    },
  };
  return { stats, binding: { definition: CtlServiceService, handlers } };
}

/** answer: reply to one outstanding RPC with an outbox that echoes its inbox's number. */
function answer(call: Call, outstanding: Map<number, Buffer>, id: number): void {
  const inbox = outstanding.get(id) as Buffer;
  outstanding.delete(id);
  const outbox = Buffer.alloc(24);
  inbox.copy(outbox, 16, 16, 20);
  call.write({ kind: { $case: 'result', result: { requestId: id, outbox } } });
}

describe('Session', () => {
  it('pipelines 32 RPCs answered out of order, each to its own caller, within max_in_flight', async () => {
    // The server holds RPCs until 4 are outstanding, then answers them newest first.
    const { stats, binding } = sessionServer((call, outstanding) => {
      if (outstanding.size < 4) return;
      for (const id of [...outstanding.keys()].reverse()) answer(call, outstanding, id);
    }, 4);
    running = await startTestServer([binding]);
    const session = await running.client.openSession('0000:08:00.0', 'DEBUG_READ_ONLY');
    expect(session.info).toMatchObject({ uid: 7, maxInFlight: 4 });
    expect(stats.opened).toMatchObject({
      open: { device: '0000:08:00.0', scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY },
    });
    const outs = await Promise.all(
      Array.from({ length: 32 }, (_, n) => session.rpc(inboxOf(n), 24)),
    );
    expect(outs.map((o) => o.readUInt32BE(16))).toEqual(Array.from({ length: 32 }, (_, n) => n));
    expect(stats.peak).toBe(4);
    await session.close();
    await expect(session.rpc(inboxOf(0), 24)).rejects.toMatchObject({ code: 'EPIPE' });
  });

  it('a local maxInFlight below the server one bounds the wire', async () => {
    const { stats, binding } = sessionServer((call, outstanding) => {
      for (const id of [...outstanding.keys()]) answer(call, outstanding, id);
    }, 8);
    running = await startTestServer([binding]);
    const session = await running.client.openSession('d', 'CONFIGURATION', {
      maxInFlight: 2,
    });
    await Promise.all(Array.from({ length: 10 }, (_, n) => session.rpc(inboxOf(n), 24)));
    expect(stats.peak).toBeLessThanOrEqual(2);
    await session.close();
  });

  it('an RpcError rejects only its own RPC, with the errno name', async () => {
    const { binding } = sessionServer((call, outstanding) => {
      for (const [id, inbox] of [...outstanding]) {
        if (inbox.readUInt32BE(16) === 1) {
          outstanding.delete(id);
          call.write({
            kind: {
              $case: 'error',
              error: { requestId: id, code: 'EPERM', message: 'opcode needs DEBUG_WRITE' },
            },
          });
        } else answer(call, outstanding, id);
      }
    });
    running = await startTestServer([binding]);
    const session = await running.client.openSession('d', 'CONFIGURATION');
    const results = await Promise.allSettled([0, 1, 2].map((n) => session.rpc(inboxOf(n), 24)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason as AuxctlError;
    expect(reason).toBeInstanceOf(AuxctlError);
    expect(reason).toMatchObject({ code: 'EPERM', details: 'opcode needs DEBUG_WRITE' });
    await session.close();
  });

  it('a server that ends the stream fails every pending RPC', async () => {
    const { binding } = sessionServer((call, outstanding) => {
      if (outstanding.size === 3) call.end();
    });
    running = await startTestServer([binding]);
    const session = await running.client.openSession('d', 'CONFIGURATION');
    const results = await Promise.allSettled([0, 1, 2].map((n) => session.rpc(inboxOf(n), 24)));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'ECONNRESET' });
    }
    await expect(session.rpc(inboxOf(9), 24)).rejects.toMatchObject({ code: 'EPIPE' });
  });

  it('a stream error status fails pending RPCs with that status', async () => {
    const { binding } = sessionServer((call, outstanding) => {
      if (outstanding.size === 2)
        call.emit('error', grpcError(status.UNAVAILABLE, 'device removed'));
    });
    running = await startTestServer([binding]);
    const session = await running.client.openSession('d', 'CONFIGURATION');
    const results = await Promise.allSettled([0, 1].map((n) => session.rpc(inboxOf(n), 24)));
    for (const r of results) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: 'UNAVAILABLE',
        details: 'device removed',
      });
    }
    await expect(session.close()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('a refused open rejects openSession with the status', async () => {
    const { binding } = sessionServer(() => {});
    running = await startTestServer([binding]);
    await expect(running.client.openSession('d', 'DEBUG_WRITE_FULL')).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      details: 'scope not allowed for you',
    });
  });

  it('close sends what is queued, and waits for the server to answer and end', async () => {
    // Answers only once the client has half-closed: close() must still deliver them.
    let ended = false;
    const handlers = {
      session(call: Call) {
        const outstanding = new Map<number, Buffer>();
        call.on('data', (req: SessionRequest) => {
          if (req.kind?.$case === 'open')
            call.write({ kind: { $case: 'info', info: { ...INFO, maxInFlight: 2 } } });
          if (req.kind?.$case === 'rpc') {
            outstanding.set(req.kind.rpc.requestId, req.kind.rpc.inbox);
            // Keep the window moving so queued RPCs reach the wire.
            if (outstanding.size === 2)
              answer(call, outstanding, [...outstanding.keys()][0] as number);
          }
        });
        call.on('end', () => {
          for (const id of [...outstanding.keys()]) answer(call, outstanding, id);
          ended = true;
          call.end();
        });
      },
    };
    running = await startTestServer([{ definition: CtlServiceService, handlers }]);
    const session = await running.client.openSession('d', 'CONFIGURATION');
    const pending = [0, 1, 2, 3].map((n) => session.rpc(inboxOf(n), 24));
    await session.close();
    expect(ended).toBe(true);
    const outs = await Promise.all(pending);
    expect(outs.map((o) => o.readUInt32BE(16))).toEqual([0, 1, 2, 3]);
  });

  it('cancel fails pending RPCs with CANCELLED', async () => {
    const { binding } = sessionServer(() => {});
    running = await startTestServer([binding]);
    const session = await running.client.openSession('d', 'CONFIGURATION');
    const p = session.rpc(inboxOf(0), 24);
    session.cancel();
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(session.close()).resolves.toBeUndefined();
  });

  it('umemReg, umemRead and umemUnreg: requests by id, chunks gathered in order, errors by errno', async () => {
    const seen: SessionRequest['kind'][] = [];
    const handlers = {
      session(call: Call) {
        call.on('data', (req: SessionRequest) => {
          const k = req.kind;
          seen.push(k);
          if (k?.$case === 'open') call.write({ kind: { $case: 'info', info: INFO } });
          if (k?.$case === 'umemReg') {
            const { requestId, bytes } = k.umemReg;
            if (bytes > 4096) {
              call.write({
                kind: { $case: 'error', error: { requestId, code: 'ENOMEM', message: 'limit' } },
              });
            } else {
              call.write({
                kind: {
                  $case: 'umem',
                  umem: { requestId, umemId: 9, bytes: 4096, mkey: 0x300, pd: 2 },
                },
              });
            }
          }
          if (k?.$case === 'umemRead') {
            const { requestId, offset } = k.umemRead;
            // Two chunks, with an RPC's answer between them.
            call.write({
              kind: {
                $case: 'umemChunk',
                umemChunk: { requestId, offset, data: Buffer.from('ab'), last: false },
              },
            });
            call.write({
              kind: {
                $case: 'result',
                result: { requestId: requestId - 1, outbox: Buffer.alloc(16) },
              },
            });
            call.write({
              kind: {
                $case: 'umemChunk',
                umemChunk: { requestId, offset: offset + 2, data: Buffer.from('cd'), last: true },
              },
            });
          }
          if (k?.$case === 'umemUnreg') {
            const { requestId, umemId } = k.umemUnreg;
            call.write({
              kind: { $case: 'umemUnregistered', umemUnregistered: { requestId, umemId } },
            });
          }
        });
        call.on('end', () => call.end());
      },
    };
    running = await startTestServer([{ definition: CtlServiceService, handlers }]);
    const session = await running.client.openSession('d', 'DEBUG_READ_ONLY');
    const umem = await session.umemReg(100);
    expect(umem).toEqual({ umemId: 9, bytes: 4096, mkey: 0x300, pd: 2 });
    await expect(session.umemReg(8192)).rejects.toMatchObject({ code: 'ENOMEM', details: 'limit' });
    const [out, bytes] = await Promise.all([
      session.rpc(inboxOf(1), 16),
      session.umemRead(9, { offset: 8, length: 4, chunkSize: 2 }),
    ]);
    expect(out.length).toBe(16);
    expect(bytes.toString()).toBe('abcd');
    await session.umemUnreg(9);
    await session.close();
    expect(seen.slice(1)).toEqual([
      { $case: 'umemReg', umemReg: { requestId: 1, bytes: 100 } },
      { $case: 'umemReg', umemReg: { requestId: 2, bytes: 8192 } },
      { $case: 'rpc', rpc: { requestId: 3, inbox: inboxOf(1), outLen: 16 } },
      {
        $case: 'umemRead',
        umemRead: { requestId: 4, umemId: 9, offset: 8, length: 4, chunkSize: 2 },
      },
      { $case: 'umemUnreg', umemUnreg: { requestId: 5, umemId: 9 } },
    ]);
  });

  it('a umem chunk out of order breaks the session with EPROTO', async () => {
    const handlers = {
      session(call: Call) {
        call.on('data', (req: SessionRequest) => {
          const k = req.kind;
          if (k?.$case === 'open') call.write({ kind: { $case: 'info', info: INFO } });
          if (k?.$case === 'umemRead') {
            const { requestId } = k.umemRead;
            call.write({
              kind: {
                $case: 'umemChunk',
                umemChunk: { requestId, offset: 5, data: Buffer.from('x'), last: true },
              },
            });
          }
        });
        call.on('end', () => call.end());
      },
    };
    running = await startTestServer([{ definition: CtlServiceService, handlers }]);
    const session = await running.client.openSession('d', 'DEBUG_READ_ONLY');
    await expect(session.umemRead(1)).rejects.toMatchObject({ code: 'EPROTO' });
  });
});
