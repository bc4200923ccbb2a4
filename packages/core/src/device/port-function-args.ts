/**
 * Port-function arguments: the validators of `PortFunctions.add` and
 * `PortFunctions.set` (devlink `port add pcisf pfnum N sfnum M` and
 * `port function set hw_addr ... roce ... max_uctx ... migratable ...`).
 *
 * Every validator throws AuxError(EINVAL) with what to pass instead and
 * never returns a partly checked value; none keeps state.
 *
 * Owns: argument rules. Never: port state.
 */
import { AuxError } from '@auxctl/prm';

/** PortFunctionAddArgs: `add({ pfnum, sfnum })`. */
export interface PortFunctionAddArgs {
  /** The PF number the SF belongs to (this PF's PCI function number). */
  readonly pfnum: number;
  /** The user-chosen SF number, unique on this PF, 0..2^32-1. */
  readonly sfnum: number;
}

/** PortFunctionAttrs: `set(port, attrs)`; every field optional, at least one given. */
export interface PortFunctionAttrs {
  /** MAC as `aa:bb:cc:dd:ee:ff` (or 6 bytes); unicast; all zero clears it. */
  readonly hwAddr?: string | Uint8Array;
  /** Whether the SF offers RoCE (needs the PF's RoCE); default on. */
  readonly roce?: boolean;
  /** Most user contexts (uids) the SF may create, 1..65535; default the PF's share. */
  readonly maxUctx?: number;
  /** Whether a VF's state may be saved and loaded (VF ports only); default off. */
  readonly migratable?: boolean;
}

/** CheckedAttrs: attrs with hwAddr as 6 bytes. */
export interface CheckedAttrs {
  readonly hwAddr?: Buffer;
  readonly roce?: boolean;
  readonly maxUctx?: number;
  readonly migratable?: boolean;
}

const SET_KEYS = new Set(['hwAddr', 'roce', 'maxUctx', 'migratable']);
const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** checkAddArgs: `{ pfnum, sfnum }` as integers in range; EINVAL otherwise. */
export function checkAddArgs(args: unknown): PortFunctionAddArgs {
  if (!isRecord(args)) throw new AuxError('EINVAL', 'add needs { pfnum, sfnum }');
  for (const k of Object.keys(args)) {
    if (k !== 'pfnum' && k !== 'sfnum') {
      throw new AuxError('EINVAL', `unknown argument ${k}; add takes { pfnum, sfnum }`);
    }
  }
  const { pfnum, sfnum } = args;
  if (typeof pfnum !== 'number' || !Number.isInteger(pfnum) || pfnum < 0 || pfnum > 0xffff) {
    throw new AuxError('EINVAL', 'pfnum must be an integer 0..65535 (the PF number)');
  }
  if (typeof sfnum !== 'number' || !Number.isInteger(sfnum) || sfnum < 0 || sfnum > 0xffff_ffff) {
    throw new AuxError('EINVAL', 'sfnum must be an integer 0..4294967295');
  }
  return { pfnum, sfnum };
}

/** parseHwAddr: a MAC as 6 bytes; EINVAL for a malformed or multicast address. */
export function parseHwAddr(mac: unknown): Buffer {
  let b: Buffer;
  if (typeof mac === 'string') {
    if (!MAC_RE.test(mac)) {
      throw new AuxError('EINVAL', `hwAddr ${JSON.stringify(mac)} is not like 00:11:22:33:44:55`);
    }
    b = Buffer.from(mac.split(':').map((h) => Number.parseInt(h, 16)));
  } else if (mac instanceof Uint8Array && mac.length === 6) {
    b = Buffer.from(mac);
  } else {
    throw new AuxError('EINVAL', 'hwAddr must be a string like 00:11:22:33:44:55 or 6 bytes');
  }
  if ((b[0]! & 1) === 1) {
    throw new AuxError('EINVAL', `hwAddr ${formatHwAddr(b)} is multicast; use a unicast MAC`);
  }
  return b;
}

/** formatHwAddr: 6 bytes as `aa:bb:cc:dd:ee:ff`. */
export function formatHwAddr(mac: Uint8Array): string {
  return Array.from(mac, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** checkAttrs: `set` attributes checked; EINVAL for an unknown key, a bad value or none at all. */
export function checkAttrs(attrs: unknown): CheckedAttrs {
  if (!isRecord(attrs)) {
    throw new AuxError('EINVAL', 'set needs { hwAddr?, roce?, maxUctx?, migratable? }');
  }
  const keys = Object.keys(attrs).filter((k) => attrs[k] !== undefined);
  if (keys.length === 0) {
    throw new AuxError('EINVAL', 'set needs at least one of hwAddr, roce, maxUctx, migratable');
  }
  for (const k of keys) {
    if (!SET_KEYS.has(k)) {
      throw new AuxError(
        'EINVAL',
        `unknown attribute ${k}; set takes hwAddr, roce, maxUctx, migratable`,
      );
    }
  }
  const out: { hwAddr?: Buffer; roce?: boolean; maxUctx?: number; migratable?: boolean } = {};
  if (attrs.hwAddr !== undefined) out.hwAddr = parseHwAddr(attrs.hwAddr);
  if (attrs.roce !== undefined) {
    if (typeof attrs.roce !== 'boolean') throw new AuxError('EINVAL', 'roce must be a boolean');
    out.roce = attrs.roce;
  }
  if (attrs.migratable !== undefined) {
    if (typeof attrs.migratable !== 'boolean') {
      throw new AuxError('EINVAL', 'migratable must be a boolean');
    }
    out.migratable = attrs.migratable;
  }
  if (attrs.maxUctx !== undefined) {
    const n = attrs.maxUctx;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 0xffff) {
      throw new AuxError('EINVAL', 'maxUctx must be an integer 1..65535');
    }
    out.maxUctx = n;
  }
  return out;
}
