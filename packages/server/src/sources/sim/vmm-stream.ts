/**
 * The VMM's migration stream: what the simulated source's VMM sends for one
 * VF — the guest's memory, the device's state (the bytes of the VF's vfio
 * migration data file, opaque here) and the guest vCPU's registers — as
 * tagged records, the way QEMU interleaves RAM sections and a vfio device's
 * state in one stream.
 *
 * RECORD: tag u8, flags u8 (none defined: 0), reserved u16 (0), length u32,
 * then `length` bytes, all big-endian:
 *   DEVICE      data-file bytes, in order (1..MAX_RECORD_BYTES)
 *   RAM_LAYOUT  the guest's memory regions now: n x (iova u64, length u64),
 *               page-aligned, non-empty, ascending, not overlapping
 *   RAM_PAGES   n x (iova u64, 4096 bytes): pages to write
 *   VCPU        the vCPU's registers (1..PAGE_SIZE bytes), once
 *   END         empty; the last record: a stream without it is truncated
 * A stream may carry no guest at all (DEVICE records and END only).
 *
 * Owns: the framing and its checks. Never: what the records mean to the
 * device or the guest (sim-migration.ts and the VMM do).
 */
import { AuxError, PAGE_SIZE } from '@auxctl/prm';
import type { RamPage, RamRegion } from '@auxctl/vmm';

export const RecordTag = {
  DEVICE: 1,
  RAM_LAYOUT: 2,
  RAM_PAGES: 3,
  VCPU: 4,
  END: 0x7f,
} as const;

/** HEADER_BYTES: tag, flags, reserved, length. */
export const HEADER_BYTES = 8;
/** MAX_RECORD_BYTES: the largest payload a record may carry (4 MiB). */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;
/** PAGES_PER_RECORD: how many pages one RAM_PAGES record the writer makes holds at most. */
export const PAGES_PER_RECORD = 256;
const PAGE_ENTRY = 8 + PAGE_SIZE;

/** VmmRecord: one decoded record. */
export type VmmRecord =
  | { readonly tag: 'device'; readonly data: Buffer }
  | { readonly tag: 'layout'; readonly regions: RamRegion[] }
  | { readonly tag: 'pages'; readonly pages: RamPage[] }
  | { readonly tag: 'vcpu'; readonly data: Buffer }
  | { readonly tag: 'end' };

function frame(tag: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  h.writeUInt8(tag, 0);
  h.writeUInt32BE(payload.length, 4);
  return payload.length === 0 ? h : Buffer.concat([h, payload]);
}

/** deviceRecord: data-file bytes (split by the caller to MAX_RECORD_BYTES). */
export const deviceRecord = (data: Buffer): Buffer => frame(RecordTag.DEVICE, data);
export const vcpuRecord = (regs: Buffer): Buffer => frame(RecordTag.VCPU, regs);
export const endRecord = (): Buffer => frame(RecordTag.END, Buffer.alloc(0));

export function layoutRecord(regions: readonly RamRegion[]): Buffer {
  const p = Buffer.alloc(regions.length * 16);
  regions.forEach((r, i) => {
    p.writeBigUInt64BE(r.iova, i * 16);
    p.writeBigUInt64BE(BigInt(r.length), i * 16 + 8);
  });
  return frame(RecordTag.RAM_LAYOUT, p);
}

/** pageRecords: `pages` as RAM_PAGES records of at most PAGES_PER_RECORD pages each. */
export function pageRecords(pages: readonly RamPage[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < pages.length; at += PAGES_PER_RECORD) {
    const batch = pages.slice(at, at + PAGES_PER_RECORD);
    const p = Buffer.alloc(batch.length * PAGE_ENTRY);
    batch.forEach((pg, i) => {
      if (pg.data.length !== PAGE_SIZE) {
        throw new AuxError('EINVAL', `a page is ${PAGE_SIZE} bytes, got ${pg.data.length}`);
      }
      p.writeBigUInt64BE(pg.iova, i * PAGE_ENTRY);
      pg.data.copy(p, i * PAGE_ENTRY + 8);
    });
    out.push(frame(RecordTag.RAM_PAGES, p));
  }
  return out;
}

const bad = (why: string) => new AuxError('EINVAL', `migration stream: ${why}`);
const aligned = (v: bigint) => v % BigInt(PAGE_SIZE) === 0n;

function decodeLayout(p: Buffer): RamRegion[] {
  if (p.length % 16 !== 0) throw bad('a RAM layout is a list of 16-byte regions');
  const regions: RamRegion[] = [];
  let end = 0n;
  for (let at = 0; at < p.length; at += 16) {
    const iova = p.readBigUInt64BE(at);
    const length = p.readBigUInt64BE(at + 8);
    if (length === 0n || !aligned(iova) || !aligned(length) || iova === 0n) {
      throw bad(`region 0x${iova.toString(16)}+0x${length.toString(16)} is not page-aligned`);
    }
    if (iova < end) throw bad('RAM regions must ascend without overlapping');
    if (iova + length > BigInt(Number.MAX_SAFE_INTEGER)) throw bad('a RAM region passes 2^53');
    end = iova + length;
    regions.push({ iova, length: Number(length) });
  }
  return regions;
}

function decodePages(p: Buffer): RamPage[] {
  if (p.length % PAGE_ENTRY !== 0) throw bad(`RAM pages come as (iova, ${PAGE_SIZE} bytes)`);
  const pages: RamPage[] = [];
  for (let at = 0; at < p.length; at += PAGE_ENTRY) {
    const iova = p.readBigUInt64BE(at);
    if (!aligned(iova)) throw bad(`page 0x${iova.toString(16)} is not page-aligned`);
    pages.push({ iova, data: p.subarray(at + 8, at + PAGE_ENTRY) });
  }
  return pages;
}

function decode(tag: number, p: Buffer): VmmRecord {
  switch (tag) {
    case RecordTag.DEVICE:
      if (p.length === 0) throw bad('an empty DEVICE record');
      return { tag: 'device', data: p };
    case RecordTag.RAM_LAYOUT:
      return { tag: 'layout', regions: decodeLayout(p) };
    case RecordTag.RAM_PAGES:
      return { tag: 'pages', pages: decodePages(p) };
    case RecordTag.VCPU:
      if (p.length === 0 || p.length > PAGE_SIZE) throw bad(`VCPU is 1..${PAGE_SIZE} bytes`);
      return { tag: 'vcpu', data: p };
    case RecordTag.END:
      if (p.length !== 0) throw bad('END carries nothing');
      return { tag: 'end' };
    default:
      throw bad(`unknown record tag ${tag}`);
  }
}

/**
 * VmmStreamReader: records out of bytes that arrive in any pieces. `push`
 * answers the records the bytes completed; `finish` checks the stream
 * ended with END on a record boundary. Every refusal is EINVAL.
 */
export class VmmStreamReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private ended = false;
  private vcpuSeen = false;

  push(chunk: Buffer): VmmRecord[] {
    if (chunk.length === 0) return [];
    if (this.ended) throw bad('bytes after END');
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const out: VmmRecord[] = [];
    for (;;) {
      if (this.pendingBytes < HEADER_BYTES) break;
      const head = this.peek(HEADER_BYTES);
      if (head.readUInt8(1) !== 0 || head.readUInt16BE(2) !== 0) {
        throw bad('flags and reserved bits must be 0');
      }
      const length = head.readUInt32BE(4);
      if (length > MAX_RECORD_BYTES) throw bad(`a ${length}-byte record is over the limit`);
      if (this.pendingBytes < HEADER_BYTES + length) break;
      const whole = this.take(HEADER_BYTES + length);
      const rec = decode(head.readUInt8(0), whole.subarray(HEADER_BYTES));
      if (rec.tag === 'vcpu') {
        if (this.vcpuSeen) throw bad('a second VCPU record');
        this.vcpuSeen = true;
      }
      out.push(rec);
      if (rec.tag === 'end') {
        this.ended = true;
        if (this.pendingBytes > 0) throw bad('bytes after END');
        break;
      }
    }
    return out;
  }

  /** finish: the stream is over; EINVAL unless it ended with END. */
  finish(): void {
    if (!this.ended) {
      throw bad(
        this.pendingBytes > 0 ? `it stops inside a record` : 'it stops before its END record',
      );
    }
  }

  private peek(n: number): Buffer {
    const first = this.pending[0] as Buffer;
    return first.length >= n ? first.subarray(0, n) : Buffer.concat(this.pending).subarray(0, n);
  }

  private take(n: number): Buffer {
    const all =
      this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return all.subarray(0, n);
  }
}
