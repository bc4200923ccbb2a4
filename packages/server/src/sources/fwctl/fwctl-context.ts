/**
 * FwctlContext: a ctl context of a Linux fwctl device — exactly one open
 * file of `/dev/fwctl/fwctlN`, so exactly one firmware uid (the kernel's
 * uid-per-fd rule), with the behaviour of ctl-aux's CtlContext on top.
 *
 * Each RPC is checked by ctl-aux's checkRpcRequest (sizes, header, scope
 * table) before the ioctl, so a request auxctld would refuse never reaches
 * the kernel, and every RPC — sent, refused here, or refused by the kernel
 * with an errno — is one `ctl.rpc` audit line, as for a simulated device.
 * The kernel stamps the uid and checks the scope again (EBADMSG for an
 * opcode not allowed at the scope: mainline mlx5 fwctl allows fewer
 * commands than ctl-aux's table, which adds the dump objects).
 *
 * What fwctl cannot do is refused with EOPNOTSUPP saying so: there is no
 * user memory registration in mainline fwctl.
 *
 * Owns: the file (closed once: on close(), on revoke(), or by its source).
 * Never: retries an RPC, or keeps the caller's buffers after it returns.
 */
import { performance } from 'node:perf_hooks';
import {
  type AuditLog,
  type CheckedRpc,
  type ContextAudit,
  type CtlInfo,
  checkRpcRequest,
  errnoOf,
  type RpcRequest,
  rpcOutcome,
} from '@auxctl/ctl-aux';
import type { FwctlFile } from '@auxctl/fwctl-linux';
import { AuxError, isAuxError, TAINTING_SCOPE } from '@auxctl/prm';
import type { SourceContext } from '../device-source.js';

/** UMEM_UNAVAILABLE: why a fwctl context has no umem. */
export const UMEM_UNAVAILABLE =
  'umem is not available on Linux fwctl: the kernel has no user memory registration for fwctl files; use inline dumps';

/** FwctlContextInit: what the source hands a new context. */
export interface FwctlContextInit {
  readonly file: FwctlFile;
  readonly device: string;
  readonly principal: string;
  readonly sysRawio: boolean;
  /** Capabilities the caller's privileges grant (ctl-aux's privilegeCaps). */
  readonly ucap: number;
  readonly audit: AuditLog;
  /** The host's taint reasons now (the kernel's fwctl taint is host-wide). */
  readonly tainted: () => readonly string[];
  /** Called after an RPC at a tainting scope reached the kernel (which taints the host). */
  readonly onTaintingRpc: () => void;
  /** Told once the context is closed (the source forgets it). */
  readonly onClosed: (ctx: FwctlContext) => void;
}

/** FwctlContext: see the module header. */
export class FwctlContext implements SourceContext {
  readonly coreDevice: string;
  private readonly abort = new AbortController();
  private readonly log: ContextAudit;
  private active = 0;
  private closing: Promise<void> | undefined;

  constructor(private readonly init: FwctlContextInit) {
    this.coreDevice = init.device;
    this.log = init.audit.bind({
      principal: init.principal,
      device: init.device,
      uid: init.file.info.uid,
    });
  }

  /** signal: aborted (reason: ENODEV) once the context is revoked or closed. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  /** pristine: open with nothing in flight (a fwctl file holds no umem or objects of ours). */
  get pristine(): boolean {
    // Closing and revocation both abort the signal first.
    return !this.abort.signal.aborted && this.active === 0;
  }

  /**
   * info: the file's uid and uctx caps. fwctl reports only the caps of the
   * file, so `devUctxCap` is those too.
   */
  info(): CtlInfo {
    this.ensureOpen();
    const caps = this.init.file.info.uctxCaps;
    return {
      uid: this.init.file.info.uid,
      uctxCap: caps,
      devUctxCap: caps,
      ucap: this.init.ucap,
      tainted: this.init.tainted(),
    };
  }

  /** rpc: one firmware command through FWCTL_RPC (see the module header). */
  async rpc(req: RpcRequest): Promise<Buffer> {
    let c: CheckedRpc;
    try {
      this.ensureOpen();
      c = checkRpcRequest(req, this.init.sysRawio);
    } catch (err) {
      const detail = isAuxError(err) ? (err.detail as Record<string, unknown> | undefined) : {};
      this.log.command({ origin: 'rpc', errno: errnoOf(err), refused: true, ...detail });
      throw err;
    }
    this.active++;
    const t0 = performance.now();
    try {
      const out = await this.init.file.rpc({
        scope: c.scope,
        inbox: Buffer.from(c.inbox.buffer, c.inbox.byteOffset, c.inbox.byteLength),
        outLen: c.outLen,
      });
      this.log.command(rpcOutcome(c, t0, out));
      return out;
    } catch (err) {
      this.log.command(rpcOutcome(c, t0, undefined, err));
      throw err;
    } finally {
      this.active--;
      // The kernel taints the host for any RPC at a tainting scope, even one it refuses.
      if (c.scope >= TAINTING_SCOPE) this.init.onTaintingRpc();
    }
  }

  /** umemReg: refused: mainline fwctl has no user memory registration. */
  umemReg(_buffer: Uint8Array): Promise<number> {
    return Promise.reject(new AuxError('EOPNOTSUPP', UMEM_UNAVAILABLE));
  }

  /** umemUnreg: refused, as umemReg. */
  umemUnreg(_id: number): Promise<void> {
    return Promise.reject(new AuxError('EOPNOTSUPP', UMEM_UNAVAILABLE));
  }

  /** auditSession: a session line on this context's audit stream. */
  auditSession(
    event: 'ctl.open' | 'ctl.close' | 'ctl.umem',
    fields: Record<string, unknown>,
  ): void {
    this.log.session(event, fields);
  }

  /** close: close the file (waiting for RPCs in flight); idempotent, never rejects. */
  close(): Promise<void> {
    return this.shutdown('closed');
  }

  /** revoke: the device went away: later calls fail ENODEV, the file is closed. */
  revoke(why: string): Promise<void> {
    return this.shutdown(why);
  }

  private shutdown(why: string): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort(
        new AuxError('ENODEV', `the context on ${this.coreDevice} was ${why}; open a new one`),
      );
      await this.init.file.close().catch(() => {});
      this.log.session('ctl.close', { reason: why });
      this.init.onClosed(this);
    })();
    return this.closing;
  }

  private ensureOpen(): void {
    if (this.abort.signal.aborted) throw this.abort.signal.reason as AuxError;
  }
}
