/**
 * CliArgs: parsers and validators of `auxctl` arguments — hex payloads,
 * scopes, lengths, dump modes, counts, host lists and hosts files.
 *
 * Each parser takes the raw string and returns a typed value or throws
 * commander's InvalidArgumentError, whose message says what is accepted (so
 * a bad argument is a usage error, exit 1, before anything is sent);
 * `parseUintText`, the number reader the parsers share, returns NaN instead
 * so each caller words its own error. It must never accept a value the
 * server would have to refuse for its shape.
 */
// The scope names alone: @auxctl/prm's index loads every PRM layout, which no argument needs.
import { FWCTL_SCOPE_NAMES, type FwctlScopeName } from '@auxctl/prm/fwctl-scope';
import { DumpMode } from '@auxctl/proto/ctl';
import { InvalidArgumentError } from 'commander';

/** MIN_CMD_BYTES / MAX_CMD_BYTES: inbox and outbox bounds of one firmware RPC (16 + 512 * 512). */
export const MIN_CMD_BYTES = 16;
export const MAX_CMD_BYTES = 16 + 512 * 512;

/**
 * parseHex: bytes from hex digits; an optional `0x` prefix, and spaces,
 * colons, underscores and dashes between digits, are allowed (so a
 * hexdump can be pasted). Needs an even number of digits.
 */
export function parseHex(text: string): Buffer {
  const body = text.trim().replace(/^0x/i, '');
  const digits = body.replace(/[\s:_-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) {
    throw new InvalidArgumentError('expected hex digits (0-9, a-f), optionally 0x-prefixed');
  }
  if (digits.length % 2 !== 0) {
    throw new InvalidArgumentError(`expected whole bytes, got ${digits.length} hex digits`);
  }
  return Buffer.from(digits, 'hex');
}

/** parseInbox: a hex inbox of MIN_CMD_BYTES to MAX_CMD_BYTES (16 to 262160) bytes. */
export function parseInbox(text: string): Buffer {
  const bytes = parseHex(text);
  if (bytes.length < MIN_CMD_BYTES || bytes.length > MAX_CMD_BYTES) {
    throw new InvalidArgumentError(
      `an inbox is ${MIN_CMD_BYTES} to ${MAX_CMD_BYTES} bytes (16-byte header first), got ${bytes.length}`,
    );
  }
  return bytes;
}

const SCOPES: ReadonlyMap<string, FwctlScopeName> = new Map(
  FWCTL_SCOPE_NAMES.map((name) => [name.toLowerCase(), name]),
);

/** SCOPE_NAMES: the spellings `--scope` documents. */
export const SCOPE_NAMES: readonly string[] = [...SCOPES.keys()];

/**
 * parseScope: a fwctl scope from its name in any case, with `-` or `_`
 * (`configuration`, `debug-read-only`, `DEBUG_WRITE`, and the wire enum's
 * `rpc_scope_...` spelling).
 */
export function parseScope(text: string): FwctlScopeName {
  const key = text
    .trim()
    .toLowerCase()
    .replace(/-/g, '_')
    .replace(/^rpc_scope_/, '');
  const scope = SCOPES.get(key);
  if (scope === undefined) {
    throw new InvalidArgumentError(`expected one of ${SCOPE_NAMES.join(', ')}`);
  }
  return scope;
}

/**
 * parseUintText: the unsigned integer `text` spells in decimal or `0x` hex
 * (surrounding space ignored), or NaN when it spells none; callers check
 * the range and word their own error.
 */
export function parseUintText(text: string): number {
  const t = text.trim();
  return /^0x[0-9a-f]+$/i.test(t) ? Number.parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
}

/** parseIntInRange: a decimal (or 0x hex) integer in [min, max]. */
export function parseIntInRange(text: string, min: number, max: number): number {
  const n = parseUintText(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
  }
  return n;
}

/**
 * parseCounterIds: `all`, or diagnostic counter ids separated by commas
 * (decimal or 0x hex, each 0x0001..0xffff, no repeats), in the order given.
 */
export function parseCounterIds(text: string): number[] | 'all' {
  const t = text.trim();
  if (t.toLowerCase() === 'all') return 'all';
  const ids = t.split(',').map((part) => {
    try {
      return parseIntInRange(part, 1, 0xffff);
    } catch {
      throw new InvalidArgumentError(
        `expected "all" or counter ids like 0x401,0x402 (each 0x0001..0xffff); "${part.trim()}" is not one`,
      );
    }
  });
  const seen = new Set<number>();
  for (const id of ids) {
    if (seen.has(id)) {
      throw new InvalidArgumentError(`counter id 0x${id.toString(16)} is listed twice`);
    }
    seen.add(id);
  }
  return ids;
}

const DIAG_MODES = ['on_demand', 'single', 'repetitive'] as const;

/** parseDiagMode: `on_demand`, `single` or `repetitive` (any case, `-` or `_`). */
export function parseDiagMode(text: string): (typeof DIAG_MODES)[number] {
  const key = text.trim().toLowerCase().replace(/-/g, '_');
  const mode = DIAG_MODES.find((m) => m === key);
  if (mode === undefined)
    throw new InvalidArgumentError(`expected one of ${DIAG_MODES.join(', ')}`);
  return mode;
}

/** parseOutLen: outbox bytes, MIN_CMD_BYTES to MAX_CMD_BYTES (16 to 262160). */
export function parseOutLen(text: string): number {
  return parseIntInRange(text, MIN_CMD_BYTES, MAX_CMD_BYTES);
}

/** parseConcurrency: fan-out workers, 1 to 1024. */
export function parseConcurrency(text: string): number {
  return parseIntInRange(text, 1, 1024);
}

/** parseDumpMode: `umem`, `inline`, `host` (a fwctl device's devlink dump) or `auto` (the device's default). */
export function parseDumpMode(text: string): DumpMode {
  switch (text.trim().toLowerCase()) {
    case 'umem':
      return DumpMode.DUMP_MODE_UMEM;
    case 'inline':
      return DumpMode.DUMP_MODE_INLINE;
    case 'host':
      return DumpMode.DUMP_MODE_HOST;
    case 'auto':
      return DumpMode.DUMP_MODE_UNSPECIFIED;
    default:
      throw new InvalidArgumentError('expected umem, inline, host or auto');
  }
}

/** validHost: a host entry has no whitespace, commas or `#`, and is not empty. */
function checkHost(host: string, where: string): string {
  if (host.length === 0 || /[\s,#]/.test(host)) {
    throw new InvalidArgumentError(`bad host "${host}" ${where}; use host or host:port`);
  }
  return host;
}

/** parseHostList: `a,b:7443,c` -> hosts in order, duplicates dropped; empty items refused. */
export function parseHostList(text: string): string[] {
  const hosts = text.split(',').map((h) => checkHost(h.trim(), 'in --hosts'));
  return [...new Set(hosts)];
}

/**
 * parseHostsFile: one host per line; blank lines and `#` comments (whole
 * line or trailing) are ignored; duplicates dropped. Throws for a line
 * with more than one word.
 */
export function parseHostsFile(text: string): string[] {
  const hosts: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line !== '') hosts.push(checkHost(line, `on line ${i + 1} of the hosts file`));
  });
  return [...new Set(hosts)];
}
