/**
 * Eviction plan: which stored dumps to drop so that a new one fits.
 *
 * Oldest first (the store's insertion order), skipping dumps pinned by a
 * reader. The plan is computed before anything is evicted, so a dump that
 * cannot fit (ENOSPC: larger than the store; EBUSY: readers pin the room)
 * leaves the store exactly as it was.
 *
 * Owns: the choice of victims and the out-of-room errors. Never: evicts
 * anything itself, or picks a pinned dump.
 */
import { AuxError } from '@auxctl/prm';
import type { DumpEntry } from './dump-entry.js';

/** StoredDump: a dump as the store keeps it; `readers` > 0 pins it. */
export interface StoredDump {
  readonly entry: DumpEntry;
  readonly data: Buffer;
  readers: number;
}

/**
 * planEviction: the oldest unpinned dumps in `stored` (oldest first) whose
 * removal makes `size` more bytes fit under `maxBytes`, given `usedBytes`.
 * Throws ENOSPC when `size` alone exceeds `maxBytes`, EBUSY when pinned dumps
 * leave too little room.
 */
export function planEviction(
  stored: Iterable<StoredDump>,
  usedBytes: number,
  size: number,
  maxBytes: number,
): StoredDump[] {
  if (size > maxBytes) {
    throw new AuxError(
      'ENOSPC',
      `a ${size}-byte dump exceeds the dump store (maxBytes ${maxBytes}); raise maxBytes`,
      { size, maxBytes },
    );
  }
  const plan: StoredDump[] = [];
  let bytes = usedBytes;
  for (const dump of stored) {
    if (bytes + size <= maxBytes) break;
    if (dump.readers > 0) continue;
    plan.push(dump);
    bytes -= dump.entry.size;
  }
  if (bytes + size > maxBytes) {
    throw new AuxError(
      'EBUSY',
      `dumps being downloaded hold ${bytes} of ${maxBytes} bytes of the dump store; retry when they finish`,
      { size, maxBytes, pinnedBytes: bytes },
    );
  }
  return plan;
}
