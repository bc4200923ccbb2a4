/**
 * The virtio device interface a vdpa device offers and a virtio driver
 * uses (include/uapi/linux/virtio_config.h, virtio_net.h, virtio_ids.h):
 * device status bits, transport and net feature bits, and the net device's
 * configuration space. Shared by the vdpa device side (mlx5_vdpa, the
 * simulator) and the drivers that consume a vdpa device.
 *
 * Virtio structures are little-endian, unlike PRM structures, so they are
 * plain offsets read with Buffer's LE accessors, not `defineLayout`.
 *
 * Owns: constants and the net config space layout.
 */

/** VirtioStatus: bits of the device status byte; writing 0 resets the device. */
export const VirtioStatus = {
  ACKNOWLEDGE: 0x01,
  DRIVER: 0x02,
  DRIVER_OK: 0x04,
  FEATURES_OK: 0x08,
  NEEDS_RESET: 0x40,
  FAILED: 0x80,
} as const;

/** VIRTIO_ID_NET: the virtio device id of a network device. */
export const VIRTIO_ID_NET = 1;

/** VirtioF: transport feature bit numbers (VIRTIO_F_* / VIRTIO_RING_F_*). */
export const VirtioF = {
  NOTIFY_ON_EMPTY: 24,
  ANY_LAYOUT: 27,
  RING_INDIRECT_DESC: 28,
  RING_EVENT_IDX: 29,
  VERSION_1: 32,
  ACCESS_PLATFORM: 33,
  RING_PACKED: 34,
  IN_ORDER: 35,
  ORDER_PLATFORM: 36,
  SR_IOV: 37,
  NOTIFICATION_DATA: 38,
  RING_RESET: 40,
  ADMIN_VQ: 41,
} as const;

/** VirtioNetF: network device feature bit numbers (VIRTIO_NET_F_*). */
export const VirtioNetF = {
  CSUM: 0,
  GUEST_CSUM: 1,
  CTRL_GUEST_OFFLOADS: 2,
  MTU: 3,
  MAC: 5,
  GUEST_TSO4: 7,
  GUEST_TSO6: 8,
  GUEST_ECN: 9,
  GUEST_UFO: 10,
  HOST_TSO4: 11,
  HOST_TSO6: 12,
  HOST_ECN: 13,
  HOST_UFO: 14,
  MRG_RXBUF: 15,
  STATUS: 16,
  CTRL_VQ: 17,
  CTRL_RX: 18,
  CTRL_VLAN: 19,
  CTRL_RX_EXTRA: 20,
  GUEST_ANNOUNCE: 21,
  MQ: 22,
  CTRL_MAC_ADDR: 23,
  HASH_REPORT: 57,
  RSS: 60,
  RSC_EXT: 61,
  STANDBY: 62,
  SPEED_DUPLEX: 63,
} as const;

/** featureBit: the 64-bit feature mask of one feature bit number. */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** hasFeature: whether `features` has feature bit `bit`. */
export function hasFeature(features: bigint, bit: number): boolean {
  return ((features >> BigInt(bit)) & 1n) === 1n;
}

/** VIRTIO_NET_S_LINK_UP / ANNOUNCE: bits of the net config `status` field. */
export const VIRTIO_NET_S_LINK_UP = 1;
export const VIRTIO_NET_S_ANNOUNCE = 2;

/**
 * VirtioNetConfig: byte offsets of `struct virtio_net_config` (all fields
 * little-endian once VERSION_1 is negotiated): mac[6], status, max
 * virtqueue pairs, mtu.
 */
export const VirtioNetConfig = {
  MAC: 0,
  STATUS: 6,
  MAX_VIRTQUEUE_PAIRS: 8,
  MTU: 10,
  BYTES: 12,
} as const;

/**
 * VirtioNetHdr: `struct virtio_net_hdr_v1`, the 12-byte header that
 * precedes every frame in a virtio-net buffer once VERSION_1 is negotiated
 * (flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers).
 */
export const VIRTIO_NET_HDR_BYTES = 12;

/** VirtioNetCtrl: control virtqueue classes and commands (virtio_net.h). */
export const VirtioNetCtrl = {
  OK: 0,
  ERR: 1,
  CLASS_RX: 0,
  CLASS_MAC: 1,
  CMD_MAC_ADDR_SET: 1,
  CLASS_VLAN: 2,
  CLASS_MQ: 4,
  CMD_MQ_VQ_PAIRS_SET: 0,
} as const;

/** virtioNetQueue: the virtqueue index of queue pair `pair` (rx = 2k, tx = 2k + 1). */
export function virtioNetQueue(pair: number, dir: 'rx' | 'tx'): number {
  return pair * 2 + (dir === 'tx' ? 1 : 0);
}

/** controlQueueIndex: the control virtqueue's index: 2 without MQ, else 2 * max pairs. */
export function controlQueueIndex(features: bigint, maxPairs: number): number {
  return hasFeature(features, VirtioNetF.MQ) ? 2 * maxPairs : 2;
}

const FEATURE_NAMES = new Map<number, string>([
  ...Object.entries(VirtioNetF).map(([name, bit]) => [bit, name] as const),
  ...Object.entries(VirtioF).map(([name, bit]) => [bit, name] as const),
]);

/** virtioFeatureName: a net device feature bit's name as iproute2 prints it (`MAC`, `VERSION_1`), else `bit_<n>`. */
export function virtioFeatureName(bit: number): string {
  return FEATURE_NAMES.get(bit) ?? `bit_${bit}`;
}

/** featureBits: the bit numbers set in a 64-bit feature mask, ascending. */
export function featureBits(mask: bigint): number[] {
  const bits: number[] = [];
  for (let b = 0; b < 64; b++) if (hasFeature(mask, b)) bits.push(b);
  return bits;
}

/**
 * featureMaskOfText: the number a feature mask written as `0x` and 1..16 hex
 * digits, or 1..20 decimal digits, spells (it may still exceed 64 bits; the
 * caller checks the range and words its own error); undefined for other text.
 */
export function featureMaskOfText(text: string): bigint | undefined {
  return /^(0x[0-9a-f]{1,16}|\d{1,20})$/i.test(text) ? BigInt(text) : undefined;
}

/** featureMask: the 64-bit feature mask of bit numbers (each 0..63). */
export function featureMask(bits: Iterable<number>): bigint {
  let m = 0n;
  for (const b of bits) {
    if (!Number.isInteger(b) || b < 0 || b > 63)
      throw new RangeError(`feature bit ${b} is not 0..63`);
    m |= featureBit(b);
  }
  return m;
}
