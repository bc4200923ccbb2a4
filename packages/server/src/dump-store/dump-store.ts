/**
 * DumpStore: the bounded, in-memory store of captured dumps (coredumps and
 * resource dumps) that dump streams are served from, so that a broken
 * download resumes from its last offset instead of capturing afresh.
 *
 * Bounds: total bytes (`maxBytes`) and age (`maxAgeMs`). Making room for a
 * new dump first drops expired entries, then the oldest entries, until the
 * new one fits. An entry being read is pinned: it is never evicted under a
 * reader, and an expired pinned entry is refused to new readers but dropped
 * only when its last reader finishes. When pinned entries hold so much that a
 * new dump cannot fit, `put` fails with EBUSY and evicts nothing.
 *
 * Owns: the dump bytes (a private copy, never mutated, so chunks can be
 * views), their SHA-256 and their ids. Never: hands out a dump by anything
 * but its random id, serves an expired dump to a new reader, or holds more
 * than `maxBytes` of dumps.
 */
import { createHash } from 'node:crypto';
import { type Logger, printable, silentLogger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { clampChunkSize, createDumpReader, type DumpReader } from './dump-chunks.js';
import { DUMP_KINDS, type DumpEntry, type DumpPut, newDumpId } from './dump-entry.js';
import { planEviction, type StoredDump as Slot } from './eviction-plan.js';

/** DumpStoreOptions: the store's bounds and clock. */
export interface DumpStoreOptions {
  /** Total bytes of dumps kept; a single larger dump is refused (ENOSPC). */
  readonly maxBytes: number;
  /** How long a dump stays available after capture. */
  readonly maxAgeMs: number;
  /** Clock in milliseconds (default Date.now; createdAt is on this clock). */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** DumpStoreStats: gauges and counters for metrics. */
export interface DumpStoreStats {
  readonly entries: number;
  readonly bytes: number;
  /** Entries with at least one active reader. */
  readonly pinned: number;
  /** Active readers across all entries. */
  readonly readers: number;
  readonly evictions: number;
  readonly evictedByAge: number;
  readonly evictedBySize: number;
}

function positive(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw new AuxError('EINVAL', `DumpStore ${name} must be a positive integer, not ${v}`);
  }
  return v;
}

/** DumpStore: put captured dumps, read them back in chunks from any offset. */
export class DumpStore {
  private readonly slots = new Map<string, Slot>(); // insertion order = oldest first
  private bytes = 0;
  private evictedByAge = 0;
  private evictedBySize = 0;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(opts: DumpStoreOptions) {
    this.maxBytes = positive('maxBytes', opts.maxBytes);
    this.maxAgeMs = positive('maxAgeMs', opts.maxAgeMs);
    this.now = opts.now ?? Date.now;
    this.log = opts.logger ?? silentLogger;
  }

  /** put: store `p.data` (a copy unless handed over); ENOSPC if larger than maxBytes, EBUSY if readers pin the room. */
  put(p: DumpPut): DumpEntry {
    if (!(p.data instanceof Uint8Array)) throw new AuxError('EINVAL', 'dump data must be bytes');
    if (!DUMP_KINDS.includes(p.kind)) {
      throw new AuxError(
        'EINVAL',
        `dump kind ${printable(p.kind)} is not one of ${DUMP_KINDS.join(', ')}`,
      );
    }
    if (
      typeof p.device !== 'string' ||
      typeof p.fwVersion !== 'string' ||
      (p.owner !== undefined && typeof p.owner !== 'string')
    ) {
      throw new AuxError('EINVAL', 'dump device, owner and fwVersion must be strings');
    }
    this.makeRoom(p.data.length);
    // A copy unless handed over: the caller's buffer (a umem) may be reused at once.
    const copy = p.handOver
      ? Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength)
      : Buffer.from(p.data);
    let id = newDumpId();
    while (this.slots.has(id)) id = newDumpId();
    const createdAt = this.now();
    const entry: DumpEntry = Object.freeze({
      id,
      device: p.device,
      owner: p.owner ?? '',
      kind: p.kind,
      size: copy.length,
      fwVersion: p.fwVersion,
      createdAt,
      expiresAt: createdAt + this.maxAgeMs,
      sha256: createHash('sha256').update(copy).digest('hex'),
    });
    this.slots.set(id, { entry, data: copy, readers: 0 });
    this.bytes += copy.length;
    return entry;
  }

  /** checkRoom: throws what `put` of `size` bytes would throw now (ENOSPC / EBUSY), evicting nothing. */
  checkRoom(size: number): void {
    this.sweep();
    planEviction(this.slots.values(), this.bytes, size, this.maxBytes);
  }

  /** get: the entry for `id`; ENOENT when unknown or expired. */
  get(id: string): DumpEntry {
    return this.live(id).entry;
  }

  /** list: live entries, oldest first. */
  list(): DumpEntry[] {
    this.sweep();
    const t = this.now();
    return [...this.slots.values()].filter((s) => t < s.entry.expiresAt).map((s) => s.entry);
  }

  /**
   * read: chunks of dump `id` from `offset` to its end, `chunkSize` clamped
   * to 64 KiB..1 MiB. ENOENT for an unknown or expired id, EINVAL for an
   * offset that is not an integer in 0..size. The reader pins the dump until
   * it is exhausted or closed (`return()`, `close()`, or leaving `for await`).
   */
  read(id: string, offset = 0, chunkSize?: number): DumpReader {
    const slot = this.live(id);
    const size = slot.entry.size;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) {
      throw new AuxError(
        'EINVAL',
        `offset ${offset} is outside dump ${id} (size ${size}); resume from 0..${size}`,
        { offset, size },
      );
    }
    slot.readers++;
    return createDumpReader(slot.entry, slot.data, offset, clampChunkSize(chunkSize), () => {
      slot.readers--;
      if (slot.readers === 0) this.sweep();
    });
  }

  /** sweep: drop expired entries nobody is reading; returns how many were dropped. */
  sweep(): number {
    const t = this.now();
    let n = 0;
    for (const slot of this.slots.values()) {
      if (slot.readers === 0 && t >= slot.entry.expiresAt) {
        this.evict(slot, 'age');
        n++;
      }
    }
    return n;
  }

  /** stats: current gauges and eviction counters. */
  stats(): DumpStoreStats {
    let pinned = 0;
    let readers = 0;
    for (const s of this.slots.values()) {
      if (s.readers > 0) pinned++;
      readers += s.readers;
    }
    return {
      entries: this.slots.size,
      bytes: this.bytes,
      pinned,
      readers,
      evictions: this.evictedByAge + this.evictedBySize,
      evictedByAge: this.evictedByAge,
      evictedBySize: this.evictedBySize,
    };
  }

  private live(id: string): Slot {
    const slot = typeof id === 'string' ? this.slots.get(id) : undefined;
    if (!slot || this.now() >= slot.entry.expiresAt) {
      throw new AuxError(
        'ENOENT',
        `dump "${printable(id)}" is unknown or expired; capture it again`,
      );
    }
    return slot;
  }

  private makeRoom(size: number): void {
    this.sweep();
    const plan = planEviction(this.slots.values(), this.bytes, size, this.maxBytes);
    for (const slot of plan) this.evict(slot, 'size');
  }

  private evict(slot: Slot, why: 'age' | 'size'): void {
    this.slots.delete(slot.entry.id);
    this.bytes -= slot.entry.size;
    if (why === 'age') this.evictedByAge++;
    else this.evictedBySize++;
    this.log.debug({ dumpId: slot.entry.id, size: slot.entry.size, why }, 'dump evicted');
  }
}
