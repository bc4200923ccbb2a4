/**
 * Page-backed buffers: a memory region is registered as the whole 4 KiB
 * pages its bytes lie in, as the kernel pins a user buffer's pages (the
 * device's MTT names pages, never bytes). In JavaScript the pages are
 * those of the buffer's ArrayBuffer (offset 0 is page aligned), so the
 * ArrayBuffer must cover every page the buffer touches, whole:
 * `pageBuffer(n)` makes one that does; a Buffer of a multiple of 4 KiB,
 * or a slice of either, does too.
 *
 * Owns: the page arithmetic. Never: mappings (IbMr maps the pages).
 */
import { AuxError, PAGE_SIZE } from '@auxctl/prm';

/** pageBuffer: `length` zeroed bytes whose memory covers whole pages (for `regMr`). */
export function pageBuffer(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 1) {
    throw new AuxError('EINVAL', 'pageBuffer(length): length must be a positive integer');
  }
  return Buffer.from(new ArrayBuffer(Math.ceil(length / PAGE_SIZE) * PAGE_SIZE), 0, length);
}

/** PinnedPages: the pages a buffer lies in, and where in them it starts. */
export interface PinnedPages {
  readonly pages: Buffer;
  readonly offset: number;
}

/** pinnedPages: the whole pages of `buf`'s memory around it; EINVAL when its memory does not cover them. */
export function pinnedPages(buf: Uint8Array): PinnedPages {
  if (!(buf instanceof Uint8Array) || buf.byteLength === 0) {
    throw new AuxError('EINVAL', 'regMr needs a non-empty Buffer or Uint8Array');
  }
  const first = Math.floor(buf.byteOffset / PAGE_SIZE) * PAGE_SIZE;
  const end = Math.ceil((buf.byteOffset + buf.byteLength) / PAGE_SIZE) * PAGE_SIZE;
  if (end > buf.buffer.byteLength) {
    throw new AuxError(
      'EINVAL',
      `the buffer's memory ends inside a ${PAGE_SIZE}-byte page; allocate it with pageBuffer(n) or as a multiple of ${PAGE_SIZE} bytes`,
    );
  }
  return {
    pages: Buffer.from(buf.buffer, first, end - first),
    offset: buf.byteOffset - first,
  };
}
