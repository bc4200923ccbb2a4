/**
 * CtlContext: one open ctl context, the "file descriptor" of mlx5ctl /
 * fwctl. It owns a firmware user context (uid) and everything created
 * under it: user memory registrations and the PDs and mkeys its RPCs made.
 *
 * LIFESPAN
 *   1. `CtlDevice.open(credentials)` creates the uctx (CREATE_UCTX with the
 *      capabilities the caller's privileges grant) and returns the context.
 *   2. `rpc`, `umemReg`, `umemUnreg`, `info` — any number, concurrently.
 *   3. `close()` (the caller), or the device going away (the driver):
 *      new calls fail with ENODEV at once; calls in flight finish; then the
 *      recorded objects are destroyed (newest first), the umems, the uctx
 *      (which frees anything left), and the buffers are unmapped. Close is
 *      idempotent and cannot fail; every later call fails with ENODEV.
 *      `signal` aborts when step 3 begins, with that ENODEV as its reason,
 *      so whoever serves the context learns at once that it was revoked.
 *
 * RPC (see rpc-request.ts for the checks): the caller's inbox is copied,
 * the context's uid is written into the copy's header whatever the caller
 * put there, and the command goes to firmware with `cmdDo`. A firmware
 * failure is not an error: its outbox comes back like a success (status
 * and syndrome inside). Errors are the checks' errnos, ENODEV, and what the
 * command queue reports when firmware never answered (ETIMEDOUT, EBUSY,
 * EIO, EBADR, EFAULT, ENOMSG, EHWPOISON). An RPC at DEBUG_WRITE or above
 * taints the device once (visible in `info().tainted` and logged).
 *
 * Owns: the uid, the umem registry, the object ledger, the in-flight set.
 * Never: touches another context's state or the device's lifecycle.
 */

import { type CmdStatusDetail, type CoreHandle, destroyUctx, type Logger } from '@auxctl/core';
import {
  AuxError,
  CmdHdrIn,
  CmdOut,
  fwctlScopeName,
  isAuxError,
  TAINTING_SCOPE,
} from '@auxctl/prm';
import {
  type AuditCommand,
  type AuditLog,
  type ContextAudit,
  elapsedUs,
  errnoOf,
  rpcOutcome,
} from './audit-log.js';
import type { CtlPrivileges } from './credentials.js';
import { ObjectLedger } from './object-ledger.js';
import { type CheckedRpc, checkRpcRequest, type RpcRequest } from './rpc-request.js';

import { scopeRule } from './scope-table.js';
import { UmemRegistry } from './umem-registry.js';

/** CTL_TAINT: the taint reason a debug-write RPC sets on the device. */
export const CTL_TAINT = 'fwctl_debug_write';

/** CtlInfo: what `info()` reports (mlx5ctl_info plus the device's taint). */
export interface CtlInfo {
  /** The context's firmware uid. */
  readonly uid: number;
  /** Capabilities of the context's uctx (ucap gated by devUctxCap). */
  readonly uctxCap: number;
  /** Capabilities the device offers (`uctx_cap`). */
  readonly devUctxCap: number;
  /** Capabilities the caller's privileges grant, before the device gates them. */
  readonly ucap: number;
  /** Why the device is tainted (empty when it is not). */
  readonly tainted: readonly string[];
}

/** CtlChannel: what the helpers need of a context (a context, or anything that forwards to one). */
export interface CtlChannel {
  rpc(req: RpcRequest): Promise<Buffer>;
  umemReg(buffer: Uint8Array): Promise<number>;
  umemUnreg(id: number): Promise<void>;
}

/** CtlContextInit: what the device hands a new context. */
export interface CtlContextInit {
  readonly handle: CoreHandle;
  readonly device: string;
  readonly principal: string;
  readonly privileges: Required<CtlPrivileges>;
  readonly uid: number;
  readonly uctxCap: number;
  readonly devUctxCap: number;
  readonly ucap: number;
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly umemBytesPerContext: number;
  /** What a refused raw CREATE_UMEM tells this context's caller to use (see checkRpcRequest). */
  readonly umemCalls?: string;
  /** Called once when close has finished. */
  readonly onClosed: (ctx: CtlContext) => void;
}

const UID_FIELD = 'uid';

/** CtlContext: see the module header. */
export class CtlContext implements CtlChannel {
  readonly principal: string;
  /** The ctl device (`mlx5ctl-mlx5_core.ctl.N`). */
  readonly device: string;
  /**
   * The core device (a PF's PCI address, an SF's `mlx5_core.sf.N`): the
   * one name audit and log lines give the device, the name the embedder's
   * fleet and policy use.
   */
  readonly coreDevice: string;
  readonly uid: number;
  private readonly handle: CoreHandle;
  private readonly init: CtlContextInit;
  private readonly umems: UmemRegistry;
  private readonly auditLog: ContextAudit;
  private readonly ledger = new ObjectLedger();
  /** Calls in flight, and who waits for them to drain (close). */
  private active = 0;
  private drained: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private goneWhy: 'closed' | 'removed' | undefined;
  private readonly lifetime = new AbortController();

  /** Contexts are made by `CtlDevice.open`; see the module header. */
  constructor(init: CtlContextInit) {
    this.init = init;
    this.handle = init.handle;
    this.principal = init.principal;
    this.device = init.device;
    this.uid = init.uid;
    this.coreDevice = init.handle.coreName;
    this.auditLog = init.audit.bind({
      principal: this.principal,
      device: this.coreDevice,
      uid: this.uid,
    });
    this.umems = new UmemRegistry(() => this.handle.dma, init.umemBytesPerContext);
  }

  /**
   * signal: aborted once close or the driver's detach (device removal,
   * reload, unbind) has started; its reason is the ENODEV later calls get.
   */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  /** closed: true once close (or removal) has started. */
  get closed(): boolean {
    return this.goneWhy !== undefined;
  }

  /**
   * pristine: open, with no call in flight, no umem and no firmware object
   * of its own — nothing a fresh context would not have, so a server may
   * hand it to the next caller of the same principal and privileges.
   */
  get pristine(): boolean {
    return (
      this.goneWhy === undefined &&
      this.active === 0 &&
      this.umems.count === 0 &&
      this.ledger.size === 0
    );
  }

  /** info: uid and capabilities; ENODEV once closed. */
  info(): CtlInfo {
    this.ensureOpen();
    return {
      uid: this.uid,
      uctxCap: this.init.uctxCap,
      devUctxCap: this.init.devUctxCap,
      ucap: this.init.ucap,
      tainted: this.handle.tainted,
    };
  }

  /** rpc: one firmware command (see the module header); resolves with the outbox. */
  rpc(req: RpcRequest): Promise<Buffer> {
    if (this.goneWhy) {
      this.audit({ origin: 'rpc', errno: 'ENODEV', refused: true, ...peek(req) });
      return Promise.reject(this.gone());
    }
    let checked: CheckedRpc;
    try {
      checked = checkRpcRequest(req, this.init.privileges.sys_rawio, this.init.umemCalls);
    } catch (err) {
      const e = err as AuxError<Partial<AuditCommand>>;
      this.audit({ origin: 'rpc', errno: e.code, refused: true, ...e.detail });
      return Promise.reject(err);
    }
    return this.send(checked);
  }

  /** umemReg: register `buffer` (whole pages) for device writes; the umem id. See UmemRegistry. */
  umemReg(buffer: Uint8Array): Promise<number> {
    if (this.goneWhy) return Promise.reject(this.gone());
    return this.guard(() => this.umems.register(buffer, this.driverSend));
  }

  /** umemUnreg: unregister umem `id` of this context (ENOENT for any other id). */
  umemUnreg(id: number): Promise<void> {
    if (this.goneWhy) return Promise.reject(this.gone());
    return this.guard(() => this.umems.unregister(id, this.driverSend));
  }

  /** close: release everything (see LIFESPAN 3); idempotent, never rejects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown('closed');
    return this.closing;
  }

  /** detach: close on behalf of the driver because the device is going away. */
  detach(): Promise<void> {
    this.closing ??= this.shutdown('removed');
    return this.closing;
  }

  // ---- internals ------------------------------------------------------------

  private async send(c: CheckedRpc): Promise<Buffer> {
    this.active++;
    try {
      if (c.scope >= TAINTING_SCOPE) this.taint(c);
      const inbox = Buffer.from(c.inbox);
      CmdHdrIn.set(inbox, UID_FIELD, this.uid);
      const t0 = performance.now();
      let out: Buffer;
      try {
        out = await this.handle.cmdDo(inbox, c.outLen);
      } catch (err) {
        const outbox = failedOutbox(err);
        if (!outbox) {
          this.audit(rpcOutcome(c, t0, undefined, err));
          throw err;
        }
        out = outbox;
      }
      this.audit(rpcOutcome(c, t0, out));
      if (out[0] === 0) {
        const rule = scopeRule(c.opcode);
        if (rule?.tracks) this.ledger.note(rule, inbox, out);
      }
      return out;
    } finally {
      this.settle();
    }
  }

  /** driverSend: a command the driver sends as this context (uid stamped, audited, cmdExec). */
  private readonly driverSend = async (inbox: Buffer, outLen: number): Promise<Buffer> => {
    CmdHdrIn.set(inbox, UID_FIELD, this.uid);
    return this.exec(inbox, outLen);
  };

  private async exec(inbox: Buffer, outLen: number): Promise<Buffer> {
    const head = {
      origin: 'driver' as const,
      opcode: CmdHdrIn.get(inbox, 'opcode'),
      opMod: CmdHdrIn.get(inbox, 'op_mod'),
      inLen: inbox.length,
      outLen,
    };
    const t0 = performance.now();
    try {
      const out = await this.handle.cmdExec(inbox, outLen);
      this.audit({ ...head, status: 0, syndrome: 0, latencyUs: elapsedUs(t0) });
      return out;
    } catch (err) {
      const d = isAuxError(err) ? (err.detail as Partial<CmdStatusDetail> | undefined) : undefined;
      this.audit({
        ...head,
        ...(d?.status !== undefined
          ? { status: d.status, syndrome: d.syndrome ?? 0 }
          : { errno: errnoOf(err) }),
        latencyUs: elapsedUs(t0),
      });
      throw err;
    }
  }

  private taint(c: CheckedRpc): void {
    try {
      if (this.handle.taint(CTL_TAINT)) {
        this.init.log.warn(
          {
            principal: this.principal,
            device: this.coreDevice,
            uid: this.uid,
            scope: fwctlScopeName(c.scope),
          },
          `${this.principal} requested ${fwctlScopeName(c.scope)} access to ${this.coreDevice}: device tainted`,
        );
      }
    } catch {
      // The device went away; the command below fails with ENODEV.
    }
  }

  private async shutdown(why: 'closed' | 'removed'): Promise<void> {
    this.goneWhy = why;
    this.lifetime.abort(this.gone());
    if (this.active > 0) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
      });
    }
    for (const inbox of this.ledger.destroyInboxes()) {
      await this.driverSend(inbox, CmdOut.bytes).catch(() => {});
    }
    this.ledger.clear();
    await this.umems.destroyAll(this.driverSend);
    try {
      await destroyUctx({ cmdExec: (inbox, outLen) => this.exec(inbox, outLen) }, this.uid);
    } catch (err) {
      this.init.log.error(
        { err, device: this.coreDevice, uid: this.uid },
        'DESTROY_UCTX failed while closing a ctl context; its objects stay until the device resets',
      );
    }
    // Only now: firmware can no longer reach these buffers through this uid.
    this.umems.unmapAll();
    this.auditLog.session('ctl.close', { reason: why });
    this.init.onClosed(this);
  }

  /** guard: run `work` counted as a call in flight (close waits for it). */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await work();
    } finally {
      this.settle();
    }
  }

  private settle(): void {
    if (--this.active === 0 && this.drained) {
      const wake = this.drained;
      this.drained = undefined;
      wake();
    }
  }

  private ensureOpen(): void {
    if (this.goneWhy) throw this.gone();
  }

  private gone(): AuxError {
    return this.goneWhy === 'removed'
      ? new AuxError(
          'ENODEV',
          `${this.device} was removed; open a new context when the device is back`,
        )
      : new AuxError('ENODEV', `this context of ${this.device} is closed; open a new one`);
  }

  private audit(c: AuditCommand): void {
    this.auditLog.command(c);
  }

  /**
   * auditSession: a session line on this context's audit stream (the device
   * logs the open; an embedder that serves umem reads logs `ctl.umem`).
   */
  auditSession(
    event: 'ctl.open' | 'ctl.close' | 'ctl.umem',
    fields: Record<string, unknown>,
  ): void {
    this.auditLog.session(event, fields);
  }
}

/** peek: what can be safely read from a request that will not be checked. */
function peek(req: unknown): Partial<AuditCommand> {
  if (typeof req !== 'object' || req === null) return {};
  const r = req as Partial<Record<string, unknown>>;
  const inbox = r.inbox instanceof Uint8Array && r.inbox.length >= 4 ? r.inbox : undefined;
  return {
    scope: r.scope,
    outLen: r.outLen,
    ...(inbox && { opcode: (inbox[0]! << 8) | inbox[1]!, inLen: inbox.length }),
  };
}

/** failedOutbox: the outbox of a command firmware ran and failed (cmdDo's EREMOTEIO). */
function failedOutbox(err: unknown): Buffer | undefined {
  if (!isAuxError(err, 'EREMOTEIO')) return undefined;
  const outbox = (err.detail as Partial<CmdStatusDetail> | undefined)?.outbox;
  return Buffer.isBuffer(outbox) ? outbox : undefined;
}
