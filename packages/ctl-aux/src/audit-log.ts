/**
 * AuditLog: one structured line per firmware command sent on behalf of a
 * ctl context, and per context opened or closed.
 *
 * The lines go to a dedicated pino logger the embedder passes in (an audit
 * stream kept apart from the operational log), with stable field names:
 *
 * | field        | meaning                                                  |
 * |--------------|----------------------------------------------------------|
 * | event        | `ctl.rpc`, `ctl.open`, `ctl.close`, `ctl.umem` (an embedder's umem request: op, umem_id, bytes, result) |
 * | principal    | who asked (from the credentials)                          |
 * | device       | the core device: a PF's PCI address (`0000:08:00.0`) or an SF's `mlx5_core.sf.N` (the name a fleet and its policy use, not the ctl device's) |
 * | uid          | the context's firmware uid (0 before it has one)          |
 * | origin       | `rpc` (the caller's RPC) or `driver` (umem registration, close) |
 * | opcode, opcode_name, op_mod | the command (when the inbox had a header) |
 * | scope        | the requested scope's name                                |
 * | result       | `ok`, `fw_error` (firmware status in the outbox) or the errno |
 * | status, status_name, syndrome | the firmware's answer, when there is one |
 * | in_len, out_len | lengths asked for                                      |
 * | latency_us   | time from send to answer                                  |
 *
 * `AuditLog.bind` makes a context's stream: a child logger carrying the
 * principal, device and uid, so each line only formats what changes.
 * RPCs refused before reaching firmware are logged at `warn` (they are the
 * lines an auditor looks for), everything else at `info`.
 *
 * Owns: the line format (the `ctl.rpc` line is rendered by audit-line.ts,
 * for pino or raw). Never: decides what is allowed.
 */
import { performance } from 'node:perf_hooks';
import { type Logger, printable } from '@auxctl/core';
import { fwctlScopeName, isAuxError, isFwctlScope, opcodeName, statusName } from '@auxctl/prm';
import { type RpcLine, RpcLineWriter, rpcRecord } from './audit-line.js';
import type { CheckedRpc } from './rpc-request.js';

/** AuditSubject: who and where (the core device's name), fixed for a context. */
export interface AuditSubject {
  readonly principal: string;
  readonly device: string;
  readonly uid: number;
}

/** AuditCommand: one command and how it ended. */
export interface AuditCommand {
  readonly origin: 'rpc' | 'driver';
  readonly opcode?: number;
  readonly opMod?: number;
  readonly scope?: unknown;
  readonly inLen?: number;
  readonly outLen?: unknown;
  /** The outbox's status and syndrome, when firmware (or the driver for it) answered. */
  readonly status?: number;
  readonly syndrome?: number;
  /** The errno when the command did not produce an outbox (refused, no device, timeout). */
  readonly errno?: string;
  /** True when the driver refused the RPC before sending it. */
  readonly refused?: boolean;
  readonly latencyUs?: number;
}

/**
 * rpcOutcome: the audit command of a caller's checked RPC that was sent at
 * `t0` (performance.now()): its outbox's status, or the errno when there is
 * no outbox. Every ctl context implementation (ctl-aux's, a server's over
 * another transport) writes its RPC lines with it.
 */
export function rpcOutcome(
  c: CheckedRpc,
  t0: number,
  out: Buffer | undefined,
  err?: unknown,
): AuditCommand {
  return {
    origin: 'rpc',
    opcode: c.opcode,
    opMod: c.opMod,
    scope: c.scope,
    inLen: c.inbox.length,
    outLen: c.outLen,
    status: out?.[0],
    syndrome: out?.readUInt32BE(4),
    errno: out ? undefined : errnoOf(err),
    latencyUs: elapsedUs(t0),
  };
}

/** errnoOf: the errno name an audit line gives a failure (EIO for anything not an AuxError). */
export function errnoOf(err: unknown): string {
  return isAuxError(err) ? err.code : 'EIO';
}

/** elapsedUs: whole microseconds since `t0` (performance.now()). */
export function elapsedUs(t0: number): number {
  return Math.round((performance.now() - t0) * 1000);
}

/** AuditLog: see the module header. */
export class AuditLog {
  constructor(private readonly log: Logger) {}

  /** bind: the audit stream of one context (its principal, device and uid on every line). */
  bind(who: AuditSubject): ContextAudit {
    return new ContextAudit(
      this.log.child({ principal: who.principal, device: who.device, uid: who.uid }),
    );
  }
}

/** ContextAudit: the audit lines of one context. */
export class ContextAudit {
  /** Writes the `ctl.rpc` lines without pino's generic path when the logger allows (audit-line.ts). */
  private readonly raw: RpcLineWriter | undefined;

  constructor(private readonly log: Logger) {
    this.raw = RpcLineWriter.forLogger(log, [RPC_MSG, REFUSED_MSG]);
  }

  /** command: one line for one command. */
  command(c: AuditCommand): void {
    const refused = c.refused === true;
    const level = refused ? 'warn' : 'info';
    if (!this.log.isLevelEnabled(level)) return;
    const hasOp = c.opcode !== undefined;
    const hasStatus = c.status !== undefined;
    const line: RpcLine = {
      origin: c.origin,
      result: c.errno ?? (c.status === 0 ? 'ok' : 'fw_error'),
      opcode: c.opcode,
      opcodeName: hasOp ? opcodeName(c.opcode!) : undefined,
      opMod: c.opMod,
      scope: c.scope === undefined ? undefined : scopeLabel(c.scope),
      status: c.status,
      statusName: hasStatus ? statusName(c.status!) : undefined,
      syndrome: hasStatus ? c.syndrome : undefined,
      inLen: c.inLen,
      outLen: c.outLen,
      latencyUs: c.latencyUs,
    };
    const msg = refused ? REFUSED_MSG : RPC_MSG;
    if (this.raw?.write(level, line, msg)) return;
    this.log[level](rpcRecord(line), msg);
  }

  /** session: a context opened or closed (with its capabilities or the close reason). */
  session(
    event: 'ctl.open' | 'ctl.close' | 'ctl.umem',
    fields: Record<string, unknown> = {},
  ): void {
    this.log.info({ event, ...fields });
  }
}

const RPC_MSG = 'ctl rpc';
const REFUSED_MSG = 'ctl rpc refused';

/** scopeLabel: the scope's name, or `UNKNOWN_<value>` for what a refused RPC asked for. */
function scopeLabel(v: unknown): string {
  return isFwctlScope(v) ? fwctlScopeName(v) : `UNKNOWN_${printable(v)}`;
}
