/**
 * The attributes of `vdpa dev add` (iproute2 `vdpa dev add name NAME
 * mgmtdev MGMTDEV [device_features MASK] [mac MAC] [mtu MTU] [max_vqp N]`)
 * parsed and checked into a `VdpaDevSetConfig`, with the netlink handler's
 * rules: a name is required, MTU is at least 68, max_vqp is at least 1
 * ("At least one pair of VQs is required"). `mask` records which
 * attributes were given, as `BIT(VDPA_ATTR_*)`, so the management layer
 * can refuse ones a management device does not support.
 *
 * Owns: parsing and range checks of the request. Never: what a management
 * device supports (VdpaManagement and the device's dev_add decide).
 */
import { parseHwAddr } from '@auxctl/core';
import { AuxError, featureMaskOfText } from '@auxctl/prm';

/** VdpaAttr: the uapi attribute numbers (enum vdpa_attr) the management API uses. */
export const VdpaAttr = {
  MGMTDEV_BUS_NAME: 1,
  MGMTDEV_DEV_NAME: 2,
  MGMTDEV_SUPPORTED_CLASSES: 3,
  DEV_NAME: 4,
  DEV_ID: 5,
  DEV_VENDOR_ID: 6,
  DEV_MAX_VQS: 7,
  DEV_MAX_VQ_SIZE: 8,
  DEV_MIN_VQ_SIZE: 9,
  DEV_NET_CFG_MACADDR: 10,
  DEV_NET_STATUS: 11,
  DEV_NET_CFG_MAX_VQP: 12,
  DEV_NET_CFG_MTU: 13,
  DEV_NEGOTIATED_FEATURES: 14,
  DEV_MGMTDEV_MAX_VQS: 15,
  DEV_SUPPORTED_FEATURES: 16,
  DEV_QUEUE_INDEX: 17,
  DEV_VENDOR_ATTR_NAME: 18,
  DEV_VENDOR_ATTR_VALUE: 19,
  DEV_FEATURES: 20,
} as const;

/** attrBit: the config mask bit of attribute `attr` (BIT_ULL(attr)). */
export function attrBit(attr: number): bigint {
  return 1n << BigInt(attr);
}

/** ETH_MIN_MTU: the smallest MTU the netlink policy accepts. */
export const ETH_MIN_MTU = 68;

/** VdpaDevSetConfig: the provisioned attributes of a new device; `mask` says which were given. */
export interface VdpaDevSetConfig {
  readonly mac?: Buffer;
  readonly mtu?: number;
  readonly maxVqPairs?: number;
  readonly deviceFeatures?: bigint;
  readonly mask: bigint;
}

/** VdpaDevAddRequest: a checked `dev add`. */
export interface VdpaDevAddRequest {
  readonly name: string;
  readonly mgmtdev: string;
  readonly config: VdpaDevSetConfig;
}

/** parseFeatures: a 64-bit feature mask from a bigint, a safe integer, or `0x…` / decimal text; EINVAL otherwise. */
export function parseFeatures(v: unknown): bigint {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string') n = featureMaskOfText(v);
  if (n === undefined || n < 0n || n >= 1n << 64n) {
    throw new AuxError('EINVAL', 'device_features must be a 64-bit mask like 0x300020000');
  }
  return n;
}

/** formatFeatures: a feature mask as `0x` + 16 hex digits. */
export function formatFeatures(f: bigint): string {
  return `0x${f.toString(16).padStart(16, '0')}`;
}

/** parseU16: an integer from `lo` to 65535 (number or decimal text), else EINVAL with `what`. */
function parseU16(v: unknown, lo: number, what: string): number {
  const n = typeof v === 'string' && /^[0-9]{1,5}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < lo || n > 0xffff) {
    throw new AuxError('EINVAL', `${what} must be an integer ${lo}..65535`);
  }
  return n;
}

/** parseMtu: an MTU of 68..65535. */
export function parseMtu(v: unknown): number {
  return parseU16(v, ETH_MIN_MTU, 'mtu');
}

/** parseMaxVqp: queue pairs of 1..65535; 0 is refused as the kernel does. */
export function parseMaxVqp(v: unknown): number {
  if (v === 0 || v === '0') throw new AuxError('EINVAL', 'At least one pair of VQs is required');
  return parseU16(v, 1, 'max_vqp');
}

/** DEV_ADD_ATTRS: each optional attribute: its request key, config field, VDPA_ATTR and parser. */
const DEV_ADD_ATTRS = [
  { key: 'mac', field: 'mac', attr: VdpaAttr.DEV_NET_CFG_MACADDR, parse: parseHwAddr },
  { key: 'mtu', field: 'mtu', attr: VdpaAttr.DEV_NET_CFG_MTU, parse: parseMtu },
  { key: 'max_vqp', field: 'maxVqPairs', attr: VdpaAttr.DEV_NET_CFG_MAX_VQP, parse: parseMaxVqp },
  {
    key: 'device_features',
    field: 'deviceFeatures',
    attr: VdpaAttr.DEV_FEATURES,
    parse: parseFeatures,
  },
] as const;

const KEYS = new Set<string>(['name', 'mgmtdev', ...DEV_ADD_ATTRS.map((a) => a.key)]);

/** configAttrNames: the `dev add` keys a management device's config_attr_mask accepts, in table order. */
export function configAttrNames(mask: bigint): string[] {
  return DEV_ADD_ATTRS.filter((a) => (mask & attrBit(a.attr)) !== 0n).map((a) => a.key);
}

/**
 * parseDevAdd: a `dev add` request from plain data
 * `{ name, mgmtdev, mac?, mtu?, max_vqp?, device_features? }` (what a CLI
 * or gRPC layer collects). EINVAL names the first bad attribute.
 */
export function parseDevAdd(input: unknown): VdpaDevAddRequest {
  if (typeof input !== 'object' || input === null) {
    throw new AuxError('EINVAL', 'dev add needs { name, mgmtdev, mac?, mtu?, max_vqp?, ... }');
  }
  const r = input as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!KEYS.has(k)) throw new AuxError('EINVAL', `unknown dev add attribute ${k}`);
  }
  if (typeof r.name !== 'string' || r.name.length === 0) {
    throw new AuxError('EINVAL', 'dev add: name is required');
  }
  if (typeof r.mgmtdev !== 'string' || r.mgmtdev.length === 0) {
    throw new AuxError('EINVAL', 'dev add: mgmtdev is required');
  }
  let mask = 0n;
  const config: Record<string, unknown> = {};
  for (const a of DEV_ADD_ATTRS) {
    if (r[a.key] === undefined) continue;
    config[a.field] = a.parse(r[a.key]);
    mask |= attrBit(a.attr);
  }
  return { name: r.name, mgmtdev: r.mgmtdev, config: { ...config, mask } as VdpaDevSetConfig };
}
