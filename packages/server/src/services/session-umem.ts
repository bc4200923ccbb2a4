/**
 * SessionUmems: the user memory a Session registers on the server's side
 * for its context (`umem_reg`, `umem_read`, `umem_unreg`), so that raw RPCs
 * which make the device write to memory (ACCESS_REG CORE_DUMP with
 * CR_DUMP_TO_MEM, RESOURCE_DUMP through an mkey) work for a remote caller,
 * who has no memory the device could reach.
 *
 * A registration is ctl-aux's dump window (`openDumpWindow`): the server
 * allocates the page-rounded buffer, registers it with the context's
 * `umemReg` (so the context's limits hold: 64 MiB each, the per-context
 * total, ENOMEM beyond), allocates a PD and creates an mkey over the whole
 * umem; the answer carries the umem id, size, mkey and PD. Those commands
 * run through the session's channel at the session's own scope, so a
 * session the policy allowed only CONFIGURATION cannot create them (EPERM,
 * the PD and mkey need DEBUG_READ_ONLY), and each is audited like any RPC
 * of the context. A read copies the bytes out in chunks (64 KiB by default,
 * at most 1 MiB), each sent only after the transport took the one before,
 * so a client that does not read holds one chunk here, never the umem.
 * Every request adds one `ctl.umem` line (op, umem, bytes, result) to the
 * context's audit stream.
 *
 * Owns: the session's open windows, by umem id. Never: outlives the
 * context — closing the context destroys the mkeys, PDs and umems and
 * unmaps the buffers, and `forget()` drops the references.
 */

import { type CtlChannel, type OpenDumpWindow, openDumpWindow } from '@auxctl/ctl-aux';
import { AuxError, type FwctlScopeValue, isAuxError } from '@auxctl/prm';
import type { UmemChunk, UmemRead, UmemRegistered } from '@auxctl/proto';
import type { SourceContext } from '../sources/device-source.js';

/** UMEM_CHUNK_DEFAULT / UMEM_CHUNK_MAX: bytes per `umem_chunk` when the read names none / at most. */
export const UMEM_CHUNK_DEFAULT = 64 * 1024;
export const UMEM_CHUNK_MAX = 1024 * 1024;

/** ChunkSink: sends one chunk and resolves once the transport took it; false when the session is over. */
export type ChunkSink = (chunk: Omit<UmemChunk, 'requestId'>) => Promise<boolean>;

/** SessionUmems: see the module header. */
export class SessionUmems {
  private readonly windows = new Map<number, OpenDumpWindow>();
  private readonly channel: CtlChannel;

  /** `channel` carries the session's RPCs (metrics); its commands go at `scope`, the session's. */
  constructor(
    channel: CtlChannel,
    scope: FwctlScopeValue,
    private readonly ctx: SourceContext,
  ) {
    this.channel = {
      rpc: (req) => channel.rpc({ ...req, scope }),
      umemReg: (buffer) => channel.umemReg(buffer),
      umemUnreg: (id) => channel.umemUnreg(id),
    };
  }

  /** register: a new window of at least `bytes`; EINVAL, ENOMEM, EPERM or a firmware errno. */
  async register(bytes: number): Promise<Omit<UmemRegistered, 'requestId'>> {
    try {
      const w = await openDumpWindow(this.channel, bytes);
      this.windows.set(w.umemId, w);
      this.audit('register', { umem_id: w.umemId, bytes: w.buffer.length, mkey: w.mkey });
      return { umemId: w.umemId, bytes: w.buffer.length, mkey: w.mkey, pd: w.pd };
    } catch (err) {
      this.audit('register', { bytes, errno: errnoOf(err) });
      throw err;
    }
  }

  /** read: send the requested bytes through `sink`, the last chunk marked; EINVAL, ENOENT. */
  async read(req: Omit<UmemRead, 'requestId'>, sink: ChunkSink): Promise<void> {
    let plan: { w: OpenDumpWindow; end: number; chunk: number };
    try {
      plan = this.plan(req);
    } catch (err) {
      this.audit('read', { umem_id: req.umemId, offset: req.offset, errno: errnoOf(err) });
      throw err;
    }
    const { w, end, chunk } = plan;
    this.audit('read', { umem_id: req.umemId, offset: req.offset, bytes: end - req.offset });
    let at = req.offset;
    do {
      const stop = Math.min(end, at + chunk);
      // A copy: the device may write the umem again while the chunk waits for the transport.
      const data = Buffer.from(w.buffer.subarray(at, stop));
      if (!(await sink({ offset: at, data, last: stop === end }))) return;
      at = stop;
    } while (at < end);
  }

  /** unregister: destroy the window's mkey, PD and umem; ENOENT for an id this session lacks. */
  async unregister(umemId: number): Promise<void> {
    const w = this.windows.get(umemId);
    try {
      if (!w) throw notRegistered(umemId);
      this.windows.delete(umemId);
      await w.close();
      this.audit('unregister', { umem_id: umemId, bytes: w.buffer.length });
    } catch (err) {
      this.audit('unregister', { umem_id: umemId, errno: errnoOf(err) });
      throw err;
    }
  }

  /** forget: drop every window (the context's close released them on the device). */
  forget(): void {
    this.windows.clear();
  }

  private plan(req: Omit<UmemRead, 'requestId'>): {
    w: OpenDumpWindow;
    end: number;
    chunk: number;
  } {
    const w = this.windows.get(req.umemId);
    if (!w) throw notRegistered(req.umemId);
    return { w, ...umemReadRange(w.buffer.length, req) };
  }

  private audit(op: string, fields: Record<string, unknown>): void {
    this.ctx.auditSession('ctl.umem', { op, result: fields.errno ?? 'ok', ...fields });
  }
}

/**
 * umemReadRange: where a read of a `size`-byte umem ends and its chunk
 * size; EINVAL for a range past the end or a chunk size above the maximum.
 */
export function umemReadRange(
  size: number,
  req: Pick<UmemRead, 'umemId' | 'offset' | 'length' | 'chunkSize'>,
): { end: number; chunk: number } {
  const end = req.length === 0 ? size : req.offset + req.length;
  if (req.offset > size || end > size) {
    throw new AuxError(
      'EINVAL',
      `read of ${req.length} bytes at ${req.offset} passes the end of umem ${req.umemId} (${size} bytes)`,
    );
  }
  const chunk = req.chunkSize === 0 ? UMEM_CHUNK_DEFAULT : req.chunkSize;
  if (chunk > UMEM_CHUNK_MAX) {
    throw new AuxError('EINVAL', `chunk_size is at most ${UMEM_CHUNK_MAX} bytes (0: 64 KiB)`);
  }
  return { end, chunk };
}

function notRegistered(umemId: number): AuxError {
  return new AuxError(
    'ENOENT',
    `umem ${umemId} is not registered in this session; register one with umem_reg`,
  );
}

function errnoOf(err: unknown): string {
  return isAuxError(err) ? err.code : 'EIO';
}
