/**
 * LineWriter: a log line of fixed keys written straight to a pino logger's
 * destination, byte for byte the line pino would write for the same
 * record, without pino's generic path (the method wrapper, message
 * formatting, the per-key serializer loop). For the lines written on every
 * call or firmware RPC (audit and call lines), where that path cost several
 * times the rest of the line.
 *
 * What pino would add is read from the logger once, through the symbols
 * pino exports for this (`pino.symbols`): the level's prefix
 * (`{"level":30`), the time function, the bindings of the logger and its
 * parents already serialized, the message key and the line's end. A logger
 * that would change the line in a way this writer does not reproduce — a
 * mixin, a log formatter or hook, a message prefix, serializers or
 * redaction of these keys, or a destination that wants per-line metadata
 * (multistream) — gets no writer, and its lines go through pino.
 *
 * Values are strings, finite numbers and booleans; undefined leaves the key
 * out, as pino does. Any other value declines the line (`write` says false
 * and writes nothing) so the caller logs it through pino.
 *
 * USAGE
 *   const w = LineWriter.forLogger(log, ['method', 'code'], ['call']);
 *   if (!w?.write('info', [method, code], 'call')) log.info({ method, code }, 'call');
 *
 * Owns: reading pino's line framing and encoding values as pino does.
 * Never: which keys a line has (its caller's).
 */
import { pino } from 'pino';
import type { Logger } from './log.js';

const S = pino.symbols;

interface PinoInternals {
  [key: symbol]: unknown;
}

interface Destination {
  write(line: string): unknown;
}

/** LineLevel: the levels a LineWriter writes. */
export type LineLevel = 'info' | 'warn';

/** LineWriter: see the module header. */
export class LineWriter {
  /** Per key: the last string value written and its `,"key":"value"` part. */
  private readonly lastString: (string | undefined)[];
  private readonly lastPart: string[];

  private constructor(
    private readonly log: PinoInternals,
    private readonly stream: Destination,
    private readonly time: () => string,
    /** `{"level":30` and the like, per level (fixed when the logger was made). */
    private readonly prefixes: Readonly<Record<LineLevel, string>>,
    /** `,"<key>":` per key, in the line's order. */
    private readonly keyParts: readonly string[],
    /** `,"msg":"<message>"` plus the line's end, per message. */
    private readonly tails: ReadonlyMap<string, string>,
  ) {
    this.lastString = keyParts.map(() => undefined);
    this.lastPart = keyParts.map(() => '');
  }

  /** forLogger: a writer of lines with `keys` for `log`, or undefined when they must go through pino. */
  static forLogger(
    log: Logger,
    keys: readonly string[],
    messages: readonly string[],
  ): LineWriter | undefined {
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
    const info = levelPrefix?.[log.levels.values.info ?? -1];
    const warn = levelPrefix?.[log.levels.values.warn ?? -1];
    if (
      info === undefined ||
      warn === undefined ||
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
      keys.some((k) => serializers[k] || stringifiers[k])
    ) {
      return undefined;
    }
    const tails = new Map(
      messages.map((m) => [m, `,${JSON.stringify(messageKey)}:${JSON.stringify(m)}${end}`]),
    );
    return new LineWriter(
      l,
      stream,
      time as () => string,
      { info, warn },
      keys.map((k) => `,${JSON.stringify(k)}:`),
      tails,
    );
  }

  /**
   * write: the line of `values` (one per key, in the keys' order) at `level`
   * with message `msg` (one of those given to forLogger); false, having
   * written nothing, when a value is of another type than the module
   * header lists or the message is unknown.
   */
  write(level: LineLevel, values: readonly unknown[], msg: string): boolean {
    const tail = this.tails.get(msg);
    if (tail === undefined) return false;
    let s = `${this.prefixes[level]}${this.time()}${this.log[S.chindingsSym] as string}`;
    const n = this.keyParts.length;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === undefined) continue;
      const key = this.keyParts[i] as string;
      if (typeof v === 'string') {
        // Most values (principal, method, device, scope) repeat from line to line.
        if (v !== this.lastString[i]) {
          this.lastString[i] = v;
          this.lastPart[i] = key + JSON.stringify(v);
        }
        s += this.lastPart[i];
      } else if (typeof v === 'number' && Number.isFinite(v)) s += key + v;
      else if (typeof v === 'boolean') s += key + v;
      else return false;
    }
    this.stream.write(s + tail);
    return true;
  }
}
