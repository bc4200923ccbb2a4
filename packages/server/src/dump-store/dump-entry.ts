/**
 * DumpEntry: what the dump store records about one captured dump, and the
 * ids that name dumps on the wire.
 *
 * Owns: the entry shape and id generation. Never: holds the dump bytes (the
 * store does) or derives an id from anything guessable (device, time,
 * counter) — an id is the only capability a resuming client presents.
 */
import { randomBytes } from 'node:crypto';

/** DumpKind: which firmware dump an entry holds (a health reporter's dump is `health-dump`). */
export type DumpKind = 'coredump' | 'resource-dump' | 'health-dump';

/** DUMP_KINDS: every {@link DumpKind}. */
export const DUMP_KINDS: readonly DumpKind[] = ['coredump', 'resource-dump', 'health-dump'];

/** DumpEntry: the metadata of one stored dump (what a DumpHeader/DumpTrailer carries). */
export interface DumpEntry {
  /** 128 random bits, base64url without padding (22 characters). */
  readonly id: string;
  /** PCI address of the device it was taken from. */
  readonly device: string;
  /** The principal that captured it ('' when none was recorded): only it may resume by id. */
  readonly owner: string;
  readonly kind: DumpKind;
  /** Bytes in the dump. */
  readonly size: number;
  /** The device's firmware version when the dump was taken. */
  readonly fwVersion: string;
  /** Capture time, milliseconds on the store's clock (Date.now by default). */
  readonly createdAt: number;
  /** When the store stops serving it (createdAt + maxAgeMs). */
  readonly expiresAt: number;
  /** SHA-256 of all `size` bytes, lowercase hex. */
  readonly sha256: string;
}

/** DumpPut: a freshly captured dump; `data` is copied, so the caller may reuse its buffer. */
export interface DumpPut {
  readonly device: string;
  /** The principal capturing it (default ''). */
  readonly owner?: string;
  readonly kind: DumpKind;
  readonly fwVersion: string;
  readonly data: Uint8Array;
  /**
   * The caller gives `data` up (nothing else will write to it, as with a
   * capture buffer whose umem is already unregistered): the store keeps it
   * instead of a copy, which for a 64 MiB coredump is 64 MiB less.
   */
  readonly handOver?: boolean;
}

/** DumpChunk: a contiguous piece of a dump; `data` is a view into the stored bytes. */
export interface DumpChunk {
  readonly offset: number;
  readonly data: Buffer;
}

/** DUMP_ID_PATTERN: the shape of every id newDumpId returns. */
export const DUMP_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/** newDumpId: a fresh 128-bit random id, base64url. */
export function newDumpId(): string {
  return randomBytes(16).toString('base64url');
}
