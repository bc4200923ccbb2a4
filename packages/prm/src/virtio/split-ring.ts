/**
 * The split virtqueue as it lies in DMA memory (include/uapi/linux/
 * virtio_ring.h): a descriptor table, the available ring the driver
 * writes and the used ring the device writes. Both sides of a vdpa data
 * path (a virtio driver filling rings, a device reading them) use these
 * offsets and accessors, so the byte layout is declared once.
 *
 *   vring_desc  { le64 addr; le32 len; le16 flags; le16 next; }      16 B each
 *   vring_avail { le16 flags; le16 idx; le16 ring[num]; le16 used_event; }
 *   vring_used  { le16 flags; le16 idx; { le32 id; le32 len } ring[num]; le16 avail_event; }
 *
 * Ring indexes are free-running 16-bit counters; slot = idx % num.
 *
 * Owns: offsets, sizes, alignments, flags and LE accessors. Never: who owns
 * the memory or how it is mapped.
 */

/** VRING_DESC_BYTES: one descriptor table entry. */
export const VRING_DESC_BYTES = 16;
/** VRING_MAX_SIZE: the largest split queue (the spec's 32768). */
export const VRING_MAX_SIZE = 32768;

/** VringDescF: descriptor flags. */
export const VringDescF = { NEXT: 1, WRITE: 2, INDIRECT: 4 } as const;
/** VRING_AVAIL_F_NO_INTERRUPT: driver asks not to be interrupted. */
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
/** VRING_USED_F_NO_NOTIFY: device asks not to be kicked. */
export const VRING_USED_F_NO_NOTIFY = 1;

/** VringAlign: required alignment of each area (desc 16, avail 2, used 4). */
export const VringAlign = { desc: 16, avail: 2, used: 4 } as const;

/** VringDesc: one decoded descriptor. */
export interface VringDesc {
  addr: bigint;
  len: number;
  flags: number;
  next: number;
}

/** isValidQueueSize: a split queue size is a power of two from 1 to 32768. */
export function isValidQueueSize(num: number): boolean {
  return Number.isInteger(num) && num >= 1 && num <= VRING_MAX_SIZE && (num & (num - 1)) === 0;
}

/** vringSizes: the byte size of each area of a ring of `num` entries (event fields included). */
export function vringSizes(num: number): { desc: number; avail: number; used: number } {
  return { desc: VRING_DESC_BYTES * num, avail: 6 + 2 * num, used: 6 + 8 * num };
}

/** readDesc: descriptor `i` of a descriptor table. */
export function readDesc(table: Buffer, i: number): VringDesc {
  const o = i * VRING_DESC_BYTES;
  return {
    addr: table.readBigUInt64LE(o),
    len: table.readUInt32LE(o + 8),
    flags: table.readUInt16LE(o + 12),
    next: table.readUInt16LE(o + 14),
  };
}

/** writeDesc: set descriptor `i` of a descriptor table. */
export function writeDesc(table: Buffer, i: number, d: VringDesc): void {
  const o = i * VRING_DESC_BYTES;
  table.writeBigUInt64LE(d.addr, o);
  table.writeUInt32LE(d.len, o + 8);
  table.writeUInt16LE(d.flags, o + 12);
  table.writeUInt16LE(d.next, o + 14);
}

/** Avail: accessors of the available ring (driver area). */
export const Avail = {
  flags: (ring: Buffer): number => ring.readUInt16LE(0),
  setFlags: (ring: Buffer, v: number): void => void ring.writeUInt16LE(v, 0),
  idx: (ring: Buffer): number => ring.readUInt16LE(2),
  setIdx: (ring: Buffer, v: number): void => void ring.writeUInt16LE(v & 0xffff, 2),
  entry: (ring: Buffer, slot: number): number => ring.readUInt16LE(4 + 2 * slot),
  setEntry: (ring: Buffer, slot: number, head: number): void =>
    void ring.writeUInt16LE(head, 4 + 2 * slot),
  usedEvent: (ring: Buffer, num: number): number => ring.readUInt16LE(4 + 2 * num),
  setUsedEvent: (ring: Buffer, num: number, v: number): void =>
    void ring.writeUInt16LE(v & 0xffff, 4 + 2 * num),
} as const;

/** Used: accessors of the used ring (device area). */
export const Used = {
  flags: (ring: Buffer): number => ring.readUInt16LE(0),
  setFlags: (ring: Buffer, v: number): void => void ring.writeUInt16LE(v, 0),
  idx: (ring: Buffer): number => ring.readUInt16LE(2),
  setIdx: (ring: Buffer, v: number): void => void ring.writeUInt16LE(v & 0xffff, 2),
  id: (ring: Buffer, slot: number): number => ring.readUInt32LE(4 + 8 * slot),
  len: (ring: Buffer, slot: number): number => ring.readUInt32LE(8 + 8 * slot),
  setElem: (ring: Buffer, slot: number, id: number, len: number): void => {
    ring.writeUInt32LE(id, 4 + 8 * slot);
    ring.writeUInt32LE(len, 8 + 8 * slot);
  },
  availEvent: (ring: Buffer, num: number): number => ring.readUInt16LE(4 + 8 * num),
  setAvailEvent: (ring: Buffer, num: number, v: number): void =>
    void ring.writeUInt16LE(v & 0xffff, 4 + 8 * num),
} as const;

/**
 * needEvent: whether moving an index from `old` to `next` passes the other
 * side's event index (`vring_need_event`), all modulo 2^16.
 */
export function needEvent(eventIdx: number, next: number, old: number): boolean {
  return ((next - eventIdx - 1) & 0xffff) < ((next - old) & 0xffff);
}
