/**
 * The migration data stream of mlx5's variant driver: a sequence of
 * records, each a 16-byte little-endian header — `record_size` (u64, the
 * data bytes that follow), `flags` (u32; bit 0 = OPTIONAL) and `tag`
 * (u32) — and its data. FW_DATA (tag 0) carries a piece of the device's
 * saved state; STOP_COPY_SIZE (tag 1, optional) carries a u64 estimate of
 * the stop-copy size so a destination can prepare.
 *
 * A writer may cut the stream anywhere (vfio does not keep write
 * boundaries), so `MigStreamParser` takes bytes in any pieces and hands out
 * whole records. A loader skips an unknown OPTIONAL record and refuses an
 * unknown mandatory one (EINVAL: the load fails; records the same `push`
 * completed before it are not returned); `end()` refuses a stream that stops
 * inside a record (EINVAL, "truncated"). A record larger than
 * `maxRecordBytes` is refused before any of it is buffered (E2BIG).
 *
 * Owns: the framing. Never: what FW_DATA holds (the firmware's image).
 */
import { AuxError } from '@auxctl/prm';

/** MIG_RECORD_HEADER_BYTES: record_size + flags + tag. */
export const MIG_RECORD_HEADER_BYTES = 16;

/** MigTag: record tags. */
export const MigTag = { FW_DATA: 0, STOP_COPY_SIZE: 1 } as const;

/** MigRecordFlag: record flags. */
export const MigRecordFlag = { OPTIONAL: 1 } as const;

/** MigRecord: one record. */
export interface MigRecord {
  readonly tag: number;
  readonly flags: number;
  readonly data: Buffer;
}

/** encodeMigRecord: one record's bytes (header then data). */
export function encodeMigRecord(r: MigRecord): Buffer {
  const out = Buffer.allocUnsafe(MIG_RECORD_HEADER_BYTES + r.data.length);
  out.writeBigUInt64LE(BigInt(r.data.length), 0);
  out.writeUInt32LE(r.flags >>> 0, 8);
  out.writeUInt32LE(r.tag >>> 0, 12);
  r.data.copy(out, MIG_RECORD_HEADER_BYTES);
  return out;
}

/** stopCopySizeRecord: the optional STOP_COPY_SIZE record for `bytes`. */
export function stopCopySizeRecord(bytes: bigint): MigRecord {
  const data = Buffer.alloc(8);
  data.writeBigUInt64LE(bytes);
  return { tag: MigTag.STOP_COPY_SIZE, flags: MigRecordFlag.OPTIONAL, data };
}

/** MigStreamParserOptions: limits and which tags the loader knows. */
export interface MigStreamParserOptions {
  /** Largest record accepted (default 64 MiB). */
  readonly maxRecordBytes?: number;
  /** Tags the loader understands (default FW_DATA and STOP_COPY_SIZE). */
  readonly knownTags?: readonly number[];
}

/** MigStreamParser: see the module header. */
export class MigStreamParser {
  private readonly max: number;
  private readonly known: ReadonlySet<number>;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private header: { size: number; flags: number; tag: number } | undefined;
  /** Records skipped because they were optional and unknown. */
  skipped = 0;

  constructor(opts: MigStreamParserOptions = {}) {
    this.max = opts.maxRecordBytes ?? 64 * 1024 * 1024;
    this.known = new Set(opts.knownTags ?? [MigTag.FW_DATA, MigTag.STOP_COPY_SIZE]);
  }

  /** push: take the next bytes of the stream; the whole records they complete. Throws EINVAL / E2BIG. */
  push(chunk: Buffer): MigRecord[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const out: MigRecord[] = [];
    for (;;) {
      if (!this.header) {
        if (this.pendingBytes < MIG_RECORD_HEADER_BYTES) return out;
        const h = this.take(MIG_RECORD_HEADER_BYTES);
        const size = h.readBigUInt64LE(0);
        const flags = h.readUInt32LE(8);
        const tag = h.readUInt32LE(12);
        if (size > BigInt(this.max)) {
          throw new AuxError('E2BIG', `a migration record of ${size} bytes (at most ${this.max})`);
        }
        if (!this.known.has(tag) && !(flags & MigRecordFlag.OPTIONAL)) {
          throw new AuxError('EINVAL', `unknown mandatory migration record tag ${tag}`);
        }
        this.header = { size: Number(size), flags, tag };
      }
      const h = this.header;
      if (this.pendingBytes < h.size) return out;
      const data = this.take(h.size);
      this.header = undefined;
      if (this.known.has(h.tag)) out.push({ tag: h.tag, flags: h.flags, data });
      else this.skipped++;
    }
  }

  /** end: the stream is over; EINVAL when it stopped inside a record. */
  end(): void {
    if (this.header || this.pendingBytes > 0) {
      const inside = this.header ? `record of ${this.header.size} bytes` : 'record header';
      throw new AuxError('EINVAL', `the migration stream is truncated inside a ${inside}`);
    }
  }

  /** take: the next `n` pending bytes as one Buffer. */
  private take(n: number): Buffer {
    const first = this.pending[0];
    if (first && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
      this.pendingBytes -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const b = this.pending[0] as Buffer;
      const k = Math.min(b.length, n - at);
      b.copy(out, at, 0, k);
      at += k;
      if (k === b.length) this.pending.shift();
      else this.pending[0] = b.subarray(k);
    }
    this.pendingBytes -= n;
    return out;
  }
}
