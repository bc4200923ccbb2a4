/**
 * The arguments of `auxctl vdpa`, in iproute2's `vdpa` syntax: keyword and
 * value pairs after the subcommand, as in
 * `vdpa dev add name foo mgmtdev auxiliary/mlx5_core.sf.1 mac 00:11:22:33:44:55 max_vqp 8`,
 * so a line from the vdpa man page or a script works unchanged.
 *
 * Owns: the keywords, their value checks and the messages that name what
 * was wrong. Never: what the management device accepts (the server says).
 */
import { featureBits, featureMaskOfText } from '@auxctl/prm/virtio';
import type { AddVdpaDeviceRequest } from '@auxctl/proto/vdpa';
import { parseIntInRange } from './cli-args.js';
import { usageError } from './exit-codes.js';
import { parseHwAddr } from './sf-command.js';

/** keywordPairs: `key value ...` as a map; each key from `keys`, once, each with a value. */
export function keywordPairs(
  tokens: readonly string[],
  keys: readonly string[],
  what: string,
): Map<string, string> {
  const pairs = new Map<string, string>();
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i] as string;
    if (!keys.includes(key)) {
      throw usageError(`${what}: unknown keyword "${key}"; expected one of: ${keys.join(', ')}`);
    }
    if (pairs.has(key)) throw usageError(`${what}: "${key}" given twice`);
    const value = tokens[i + 1];
    if (value === undefined) throw usageError(`${what}: "${key}" needs a value`);
    pairs.set(key, value);
  }
  return pairs;
}

/** parseFeatureMask: a 64-bit virtio feature mask (`0x` hex or decimal) as bit numbers. */
export function parseFeatureMask(text: string): number[] {
  const mask = featureMaskOfText(text.trim());
  if (mask === undefined) {
    throw usageError(`device_features: expected a 64-bit mask like 0x300010028, not "${text}"`);
  }
  if (mask >= 1n << 64n) throw usageError('device_features: the mask is wider than 64 bits');
  return featureBits(mask);
}

/** checked: `parse(value)` with a failure worded as a usage error naming `key`. */
function checked<T>(key: string, value: string, parse: (v: string) => T): T {
  try {
    return parse(value);
  } catch (err) {
    throw usageError(`${key}: ${(err as Error).message}`);
  }
}

const ADD_KEYS = ['name', 'mgmtdev', 'mac', 'mtu', 'max_vqp', 'device_features'] as const;

/** parseVdpaAdd: the keyword arguments of `vdpa dev add` as the request. */
export function parseVdpaAdd(tokens: readonly string[]): AddVdpaDeviceRequest {
  const kv = keywordPairs(tokens, ADD_KEYS, 'dev add');
  const name = kv.get('name');
  const mgmtdev = kv.get('mgmtdev');
  if (!name) throw usageError('dev add: "name NAME" is required');
  if (!mgmtdev) throw usageError('dev add: "mgmtdev MGMTDEV" is required (see vdpa mgmtdev show)');
  const req: AddVdpaDeviceRequest = { name, mgmtdev };
  const mac = kv.get('mac');
  if (mac !== undefined) req.mac = checked('mac', mac, parseHwAddr);
  const mtu = kv.get('mtu');
  if (mtu !== undefined) req.mtu = checked('mtu', mtu, (v) => parseIntInRange(v, 68, 65535));
  const vqp = kv.get('max_vqp');
  if (vqp !== undefined) {
    req.maxVqp = checked('max_vqp', vqp, (v) => parseIntInRange(v, 1, 0xffff));
  }
  const features = kv.get('device_features');
  if (features !== undefined) req.deviceFeatures = { bits: parseFeatureMask(features) };
  return req;
}

/** parseQueueIndex: `qidx N` of `vdpa dev vstats show DEV qidx N`. */
export function parseQueueIndex(tokens: readonly string[]): number {
  const kv = keywordPairs(tokens, ['qidx'], 'dev vstats show');
  const q = kv.get('qidx');
  if (q === undefined) throw usageError('dev vstats show: "qidx N" is required');
  return checked('qidx', q, (v) => parseIntInRange(v, 0, 0xffff));
}
