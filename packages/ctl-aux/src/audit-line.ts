/**
 * RpcLineWriter: the `ctl.rpc` audit line of a context written straight to
 * its pino logger's destination, byte for byte the line pino would write
 * (core's LineWriter, which says when a logger's lines must go through
 * pino instead) — the audit line is on every firmware RPC, and pino's
 * generic path cost several times the rest of the line.
 * `audit-line.test.ts` checks that both paths write the same lines.
 *
 * Owns: the `ctl.rpc` line's fields and order, in both forms (rpcRecord
 * for pino, RpcLineWriter raw). Never: writes a line with a value of a type
 * pino would write differently (write declines it and the caller uses pino).
 */
import { LineWriter, type Logger } from '@auxctl/core';

/**
 * RpcLine: the fields of a `ctl.rpc` line, in the line's order (after
 * `event`). Values come from AuditCommand, whose lengths and scope of a
 * refused request are what the caller sent (any type).
 */
export interface RpcLine {
  readonly origin: string;
  readonly result: string;
  readonly opcode?: number;
  readonly opcodeName?: string;
  readonly opMod?: number;
  readonly scope?: string;
  readonly status?: number;
  readonly statusName?: string;
  readonly syndrome?: number;
  readonly inLen?: number;
  readonly outLen?: unknown;
  readonly latencyUs?: number;
}

/** rpcRecord: the line as the object pino serializes (undefined fields are left out). */
export function rpcRecord(f: RpcLine): Record<string, unknown> {
  return {
    event: 'ctl.rpc',
    origin: f.origin,
    result: f.result,
    opcode: f.opcode,
    opcode_name: f.opcodeName,
    op_mod: f.opMod,
    scope: f.scope,
    status: f.status,
    status_name: f.statusName,
    syndrome: f.syndrome,
    in_len: f.inLen,
    out_len: f.outLen,
    latency_us: f.latencyUs,
  };
}

/** The keys these lines write, in rpcRecord's order. */
const KEYS = Object.keys(rpcRecord({ origin: '', result: '' }));

/** RpcLineWriter: see the module header. */
export class RpcLineWriter {
  private constructor(private readonly w: LineWriter) {}

  /** forLogger: a writer for `log`, or undefined when its lines must go through pino. */
  static forLogger(log: Logger, messages: readonly string[]): RpcLineWriter | undefined {
    const w = LineWriter.forLogger(log, KEYS, messages);
    return w && new RpcLineWriter(w);
  }

  /**
   * write: the line of `f` at `level` with message `msg` (one of those given
   * to forLogger); false, having written nothing, when a value is not a
   * string, finite number or boolean (the caller then logs through pino).
   */
  write(level: 'info' | 'warn', f: RpcLine, msg: string): boolean {
    return this.w.write(
      level,
      [
        'ctl.rpc',
        f.origin,
        f.result,
        f.opcode,
        f.opcodeName,
        f.opMod,
        f.scope,
        f.status,
        f.statusName,
        f.syndrome,
        f.inLen,
        f.outLen,
        f.latencyUs,
      ],
      msg,
    );
  }
}
