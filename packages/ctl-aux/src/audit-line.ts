/**
 * RpcLineWriter: the `ctl.rpc` audit line of a context written straight to
 * its pino logger's destination, byte for byte the line pino would write,
 * without pino's generic path (the method wrapper, message formatting, the
 * per-key serializer loop) — the audit line is on every firmware RPC, and
 * that path cost several times the rest of the line.
 *
 * What pino would add is read from the logger once, through the symbols
 * pino exports for this (`pino.symbols`): the level's prefix (`{"level":30`),
 * the time function, the bindings of the logger and its parents already
 * serialized (`,"stream":"audit","principal":...`), the message key and the
 * line's end. A logger that would change the line in a way this writer does
 * not reproduce — a mixin, a log formatter or hook, a message prefix,
 * serializers or redaction of these fields, or a destination that wants
 * per-line metadata (multistream) — gets no writer, and the lines go
 * through pino as before. `audit-line.test.ts` checks that both paths write
 * the same lines.
 *
 * Owns: the `ctl.rpc` line's fields and order, in both forms (rpcRecord
 * for pino, RpcLineWriter raw). Never: writes a line with a value of an
 * unexpected type (write declines it and the caller uses pino).
 */
import type { Logger } from '@auxctl/core';
import { pino } from 'pino';

const S = pino.symbols;

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

/** The keys these lines write; a serializer or redaction of any of them disables the writer. */
const KEYS = Object.keys(rpcRecord({ origin: '', result: '' }));

interface PinoInternals {
  [key: symbol]: unknown;
}

interface Destination {
  write(line: string): unknown;
}

/** RpcLineWriter: see the module header. */
export class RpcLineWriter {
  private constructor(
    private readonly log: Logger,
    private readonly stream: Destination,
    private readonly time: () => string,
    /** `{"level":30` and the like, per level (fixed when the logger was made). */
    private readonly prefixes: Readonly<Record<'info' | 'warn', string>>,
    /** `,"msg":"<message>"` plus the line's end, per message. */
    private readonly tails: Readonly<Record<string, string>>,
  ) {}

  /** forLogger: a writer for `log`, or undefined when its lines must go through pino. */
  static forLogger(log: Logger, messages: readonly string[]): RpcLineWriter | undefined {
    const l = log as unknown as PinoInternals;
    const stream = l[S.streamSym] as (Destination & PinoInternals) | undefined;
    const time = l[S.timeSym];
    const formatters = l[S.formattersSym] as { log?: unknown } | undefined;
    const hooks = l[S.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
    const serializers = (l[S.serializersSym] ?? {}) as Record<string, unknown>;
    const stringifiers = (l[S.stringifiersSym] ?? {}) as Record<string | symbol, unknown>;
    const messageKey = l[S.messageKeySym];
    const end = l[S.endSym];
    const levelPrefix = l[S.lsCacheSym] as Record<number, string> | undefined;
    const prefixes = {
      info: levelPrefix?.[log.levels.values.info ?? -1],
      warn: levelPrefix?.[log.levels.values.warn ?? -1],
    };
    if (
      prefixes.info === undefined ||
      prefixes.warn === undefined ||
      typeof stream?.write !== 'function' ||
      stream[S.needsMetadataGsym] ||
      typeof time !== 'function' ||
      typeof messageKey !== 'string' ||
      typeof end !== 'string' ||
      typeof l[S.chindingsSym] !== 'string' ||
      l[S.mixinSym] ||
      formatters?.log ||
      hooks?.logMethod ||
      hooks?.streamWrite ||
      l[(S as unknown as Record<string, symbol>).msgPrefixSym as symbol] ||
      stringifiers[S.wildcardFirstSym] ||
      KEYS.some((k) => serializers[k] || stringifiers[k])
    ) {
      return undefined;
    }
    const tails: Record<string, string> = {};
    for (const m of messages)
      tails[m] = `,${JSON.stringify(messageKey)}:${JSON.stringify(m)}${end}`;
    return new RpcLineWriter(
      log,
      stream,
      time as () => string,
      prefixes as Record<'info' | 'warn', string>,
      tails,
    );
  }

  /**
   * write: the line of `f` at `level` with message `msg` (one of those given
   * to forLogger); false, having written nothing, when a value is not of its
   * type (the caller then logs through pino).
   */
  write(level: 'info' | 'warn', f: RpcLine, msg: string): boolean {
    const tail = this.tails[msg];
    if (tail === undefined || !(numbers(f) && strings(f))) return false;
    const chindings = (this.log as unknown as PinoInternals)[S.chindingsSym] as string;
    let s = `${this.prefixes[level]}${this.time()}${chindings},"event":"ctl.rpc","origin":${JSON.stringify(f.origin)},"result":${JSON.stringify(f.result)}`;
    if (f.opcode !== undefined) s += `,"opcode":${f.opcode}`;
    if (f.opcodeName !== undefined) s += `,"opcode_name":${JSON.stringify(f.opcodeName)}`;
    if (f.opMod !== undefined) s += `,"op_mod":${f.opMod}`;
    if (f.scope !== undefined) s += `,"scope":${JSON.stringify(f.scope)}`;
    if (f.status !== undefined) s += `,"status":${f.status}`;
    if (f.statusName !== undefined) s += `,"status_name":${JSON.stringify(f.statusName)}`;
    if (f.syndrome !== undefined) s += `,"syndrome":${f.syndrome}`;
    if (f.inLen !== undefined) s += `,"in_len":${f.inLen}`;
    if (f.outLen !== undefined) s += `,"out_len":${f.outLen}`;
    if (f.latencyUs !== undefined) s += `,"latency_us":${f.latencyUs}`;
    this.stream.write(s + tail);
    return true;
  }
}

const finite = (v: unknown): boolean => v === undefined || Number.isFinite(v);
const text = (v: unknown): boolean => v === undefined || typeof v === 'string';

function numbers(f: RpcLine): boolean {
  return (
    finite(f.opcode) &&
    finite(f.opMod) &&
    finite(f.status) &&
    finite(f.syndrome) &&
    finite(f.inLen) &&
    finite(f.outLen) &&
    finite(f.latencyUs)
  );
}

function strings(f: RpcLine): boolean {
  return (
    typeof f.origin === 'string' &&
    typeof f.result === 'string' &&
    text(f.opcodeName) &&
    text(f.scope) &&
    text(f.statusName)
  );
}
