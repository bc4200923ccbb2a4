/**
 * Session: one CtlService.Session stream seen as a context with pipelined,
 * promise-returning firmware RPCs.
 *
 * Owns request ids (1, 2, 3, ... per session), matching answers to callers
 * by id (the server answers in completion order), and the local queue that
 * keeps at most `max_in_flight` RPCs (the server's number, or a smaller
 * local one) on the wire: the rest wait here, so the stream never carries
 * more than the server runs and a burst of calls costs queue entries, not
 * HTTP/2 buffers. Writes also honour the stream's own backpressure.
 *
 * Lifecycle: openSession() sends `open` and resolves with the server's
 * `info` -> rpc() any number of times -> close() (sends what is queued,
 * half-closes, waits for the server to finish the outstanding RPCs and end
 * the stream) or cancel() (at once; outstanding RPCs fail with CANCELLED).
 * When the stream ends or fails for any reason, every RPC not yet answered
 * is rejected; nothing is left pending. It must never reuse a request id
 * within a session, and never let an answer resolve the wrong caller.
 *
 * Server-side user memory: umemReg(bytes) has the server register memory
 * for the session's context with a PD and an mkey over it (the mkey is what
 * CORE_DUMP CR_DUMP_TO_MEM or RESOURCE_DUMP take in a raw rpc()); umemRead()
 * gathers its bytes from the server's chunks; umemUnreg() releases it, and
 * the session's end releases whatever is left. These are requests like
 * RPCs: the same ids, queue, max_in_flight and error answers.
 */
import type { FwctlScopeName } from '@auxctl/prm';
import type {
  CtlServiceClient,
  SessionInfo,
  SessionRequest,
  SessionResponse,
} from '@auxctl/proto/ctl';
import { type CallOptions, type ClientDuplexStream, status as grpcStatus } from '@grpc/grpc-js';
import { AuxctlError, toAuxctlError } from './auxctl-error.js';
import type { TransportFacts } from './transport-failure.js';
import { wireScopeOf } from './wire-scope.js';

/** SessionOptions: local limits and call options. */
export interface SessionOptions {
  /** maxInFlight: a local cap below the server's `max_in_flight` (never above it). */
  maxInFlight?: number;
  /** callOptions: grpc-js call options (deadline, ...) for the whole stream. */
  callOptions?: Partial<CallOptions>;
  /** transport: how the client connects (explains a connection failure). */
  transport?: TransportFacts;
}

/** SessionUmem: server-side memory registered for the session's context. */
export interface SessionUmem {
  /** The firmware umem id. */
  readonly umemId: number;
  /** Its size: the bytes asked for, rounded up to whole 4 KiB pages. */
  readonly bytes: number;
  /** An mkey over the whole umem from address 0 (local write and read). */
  readonly mkey: number;
  /** The PD of the mkey. */
  readonly pd: number;
}

/** UmemReadOptions: which bytes of a umem, and in what chunks the server sends them. */
export interface UmemReadOptions {
  /** First byte (default 0). */
  offset?: number;
  /** Bytes to read (default: to the end of the umem). */
  length?: number;
  /** Largest chunk the server sends (default: the server's, 64 KiB; at most 1 MiB). */
  chunkSize?: number;
}

/** Session: an open context. */
export interface Session {
  /** info: the context as the server opened it. */
  readonly info: SessionInfo;
  /** rpc: run one firmware command; resolves with its outbox (firmware status is in it). */
  rpc(inbox: Buffer, outLen: number): Promise<Buffer>;
  /**
   * umemReg: have the server register `bytes` of memory (1 B .. 64 MiB,
   * within its per-context limit) for this context, with a PD and an mkey;
   * EPERM below DEBUG_READ_ONLY, EINVAL, ENOMEM.
   */
  umemReg(bytes: number): Promise<SessionUmem>;
  /** umemRead: the bytes of a registered umem as the device left them; ENOENT, EINVAL. */
  umemRead(umemId: number, options?: UmemReadOptions): Promise<Buffer>;
  /** umemUnreg: release a umem with its mkey and PD; ENOENT for an id this session lacks. */
  umemUnreg(umemId: number): Promise<void>;
  /** close: send what is queued, end our side, wait for the server to end the stream. */
  close(): Promise<void>;
  /** cancel: drop the stream now; unanswered RPCs fail with CANCELLED. */
  cancel(): void;
}

type RequestKind = NonNullable<SessionRequest['kind']>;
/** An answer to a request (everything the server sends after info). */
type AnswerKind = Exclude<NonNullable<SessionResponse['kind']>, { $case: 'info' }>;

interface Waiter {
  /** take: one answer (never an error); true when it was the request's last. Throws EPROTO for a wrong kind. */
  take(answer: AnswerKind): boolean;
  reject(e: AuxctlError): void;
}

interface Queued extends Waiter {
  request(requestId: number): RequestKind;
}

type Stream = ClientDuplexStream<SessionRequest, SessionResponse>;

/** requestIdOf: the request id an answer carries. */
function requestIdOf(a: AnswerKind): number {
  switch (a.$case) {
    case 'result':
      return a.result.requestId;
    case 'error':
      return a.error.requestId;
    case 'umem':
      return a.umem.requestId;
    case 'umemChunk':
      return a.umemChunk.requestId;
    case 'umemUnregistered':
      return a.umemUnregistered.requestId;
  }
}

/** unexpected: the EPROTO of an answer of the wrong kind. */
function unexpected(a: AnswerKind, to: string): AuxctlError {
  return new AuxctlError('EPROTO', `the server answered ${to} with ${a.$case}`);
}

class PipelinedSession implements Session {
  readonly info: SessionInfo;
  readonly #call: Stream;
  readonly #limit: number;
  readonly #queue: Queued[] = [];
  readonly #pending = new Map<number, Waiter>();
  #nextId = 1;
  #blocked = false;
  #closing = false;
  #finished: AuxctlError | null | undefined;
  readonly #done: Promise<AuxctlError | null>;
  #markDone: (e: AuxctlError | null) => void = () => {};

  constructor(call: Stream, info: SessionInfo, localLimit: number | undefined) {
    this.#call = call;
    this.info = info;
    const server = Math.max(1, info.maxInFlight);
    this.#limit = localLimit === undefined ? server : Math.max(1, Math.min(server, localLimit));
    this.#done = new Promise((resolve) => {
      this.#markDone = resolve;
    });
    call.on('data', (m: SessionResponse) => this.#onAnswer(m));
    call.on('drain', () => {
      this.#blocked = false;
      this.#pump();
    });
  }

  /** finish: the stream is over (error = why, null = cleanly); fail everything unanswered. */
  finish(error: AuxctlError | null): void {
    if (this.#finished !== undefined) return;
    this.#finished = error;
    const reason =
      error ??
      new AuxctlError(
        'ECONNRESET',
        'the server ended the session before answering; open a new session and retry',
      );
    for (const w of this.#pending.values()) w.reject(reason);
    for (const q of this.#queue) q.reject(reason);
    this.#pending.clear();
    this.#queue.length = 0;
    this.#markDone(error);
  }

  rpc(inbox: Buffer, outLen: number): Promise<Buffer> {
    return this.#enqueue((resolve, reject) => ({
      request: (requestId) => ({ $case: 'rpc', rpc: { requestId, inbox, outLen } }),
      take: (a) => {
        if (a.$case !== 'result') throw unexpected(a, 'an rpc');
        resolve(a.result.outbox);
        return true;
      },
      reject,
    }));
  }

  umemReg(bytes: number): Promise<SessionUmem> {
    return this.#enqueue((resolve, reject) => ({
      request: (requestId) => ({ $case: 'umemReg', umemReg: { requestId, bytes } }),
      take: (a) => {
        if (a.$case !== 'umem') throw unexpected(a, 'umem_reg');
        const { umemId, bytes: size, mkey, pd } = a.umem;
        resolve({ umemId, bytes: size, mkey, pd });
        return true;
      },
      reject,
    }));
  }

  umemRead(umemId: number, options: UmemReadOptions = {}): Promise<Buffer> {
    const offset = options.offset ?? 0;
    const chunks: Buffer[] = [];
    let at = offset;
    return this.#enqueue((resolve, reject) => ({
      request: (requestId) => ({
        $case: 'umemRead',
        umemRead: {
          requestId,
          umemId,
          offset,
          length: options.length ?? 0,
          chunkSize: options.chunkSize ?? 0,
        },
      }),
      take: (a) => {
        if (a.$case !== 'umemChunk') throw unexpected(a, 'umem_read');
        const c = a.umemChunk;
        if (c.offset !== at) {
          throw new AuxctlError('EPROTO', `umem chunk at ${c.offset}, expected ${at}`);
        }
        chunks.push(c.data);
        at += c.data.length;
        if (c.last) resolve(Buffer.concat(chunks));
        return c.last;
      },
      reject,
    }));
  }

  umemUnreg(umemId: number): Promise<void> {
    return this.#enqueue((resolve, reject) => ({
      request: (requestId) => ({ $case: 'umemUnreg', umemUnreg: { requestId, umemId } }),
      take: (a) => {
        if (a.$case !== 'umemUnregistered') throw unexpected(a, 'umem_unreg');
        resolve();
        return true;
      },
      reject,
    }));
  }

  /** enqueue: queue the request `make` describes (EPIPE once the session is closing or over). */
  #enqueue<T>(
    make: (resolve: (v: T) => void, reject: (e: AuxctlError) => void) => Queued,
  ): Promise<T> {
    if (this.#finished !== undefined || this.#closing) {
      const why = this.#finished ? `: ${this.#finished.message}` : '';
      return Promise.reject(
        new AuxctlError('EPIPE', `the session is closed${why}; open a new one`),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push(make(resolve, reject));
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closing = true;
    this.#maybeEnd();
    const error = await this.#done;
    if (error !== null && error.code !== 'CANCELLED') throw error;
  }

  cancel(): void {
    if (this.#finished !== undefined) return;
    this.#call.cancel();
    this.finish(
      new AuxctlError('CANCELLED', 'the session was cancelled', { grpcCode: grpcStatus.CANCELLED }),
    );
  }

  #pump(): void {
    while (!this.#blocked && this.#pending.size < this.#limit && this.#queue.length > 0) {
      const q = this.#queue.shift() as Queued;
      const requestId = this.#nextId++;
      this.#pending.set(requestId, q);
      const more = this.#call.write({ kind: q.request(requestId) });
      if (!more) this.#blocked = true;
    }
    this.#maybeEnd();
  }

  /** maybeEnd: half-close once close() was asked for and nothing is left to send. */
  #maybeEnd(): void {
    if (this.#closing && this.#queue.length === 0 && this.#finished === undefined) {
      this.#call.end();
    }
  }

  #onAnswer(m: SessionResponse): void {
    const kind = m.kind;
    if (kind === undefined || kind.$case === 'info') {
      this.#protocolError(`unexpected ${kind?.$case ?? 'empty'} message in an open session`);
      return;
    }
    const id = requestIdOf(kind);
    const waiter = this.#pending.get(id);
    if (waiter === undefined) {
      this.#protocolError(`answer for request id ${id}, which is not outstanding`);
      return;
    }
    if (kind.$case === 'error') {
      this.#pending.delete(id);
      waiter.reject(new AuxctlError(kind.error.code || 'EIO', kind.error.message || 'no message'));
    } else {
      let last: boolean;
      try {
        last = waiter.take(kind);
      } catch (err) {
        this.#protocolError((err as Error).message);
        return;
      }
      if (!last) return;
      this.#pending.delete(id);
    }
    this.#pump();
  }

  #protocolError(what: string): void {
    this.#call.cancel();
    this.finish(new AuxctlError('EPROTO', `${what}; the server broke the session protocol`));
  }
}

/**
 * openSession: open a context on `device` at `scope`. Resolves once the
 * server's `info` arrives; rejects with the stream's status (e.g.
 * PERMISSION_DENIED) if the server refuses. Close the session when done.
 */
export function openSession(
  ctl: CtlServiceClient,
  device: string,
  scope: FwctlScopeName,
  options: SessionOptions = {},
): Promise<Session> {
  const call = ctl.session(options.callOptions ?? {});
  return new Promise((resolve, reject) => {
    let session: PipelinedSession | undefined;
    let early: AuxctlError | undefined;
    const fail = (e: AuxctlError): void => {
      if (session !== undefined) session.finish(e);
      else if (early === undefined) {
        early = e;
        reject(e);
      }
    };
    call.on('error', (e: unknown) =>
      fail(toAuxctlError(e, `session on ${device}`, options.transport)),
    );
    call.on('status', (s: { code: number; details: string }) => {
      if (s.code === grpcStatus.OK) {
        if (session !== undefined) session.finish(null);
        else fail(new AuxctlError('EPROTO', 'the server ended the session without info'));
      } else fail(toAuxctlError(s, `session on ${device}`, options.transport));
    });
    call.once('data', (m: SessionResponse) => {
      if (m.kind?.$case !== 'info') {
        call.cancel();
        fail(
          new AuxctlError(
            'EPROTO',
            `the server's first session message was ${m.kind?.$case ?? 'empty'}, not info`,
          ),
        );
        return;
      }
      session = new PipelinedSession(call, m.kind.info, options.maxInFlight);
      resolve(session);
    });
    call.write({ kind: { $case: 'open', open: { device, scope: wireScopeOf(scope) } } });
  });
}
