/**
 * Signatures of queue entries and mailbox blocks (~xor8, as mlx5 cmd.c).
 *
 * - entry: `sig` = ~xor8 of all 64 bytes computed while `sig` is 0, so an
 *   intact entry XORs to 0xff. The driver signs at post, firmware re-signs
 *   after writing the outbox and status.
 * - block: `ctrl_sig` = ~xor8 of the control bytes from the reserved area
 *   after `data` up to and including `token`; `sig` = ~xor8 of every byte
 *   before `sig` (data, control and ctrl_sig). An intact block XORs to 0xff
 *   both over the control bytes plus ctrl_sig and over all 576 bytes
 *   (calc_block_sig / verify_block_sig).
 *
 * Owns: the checksum rules. Never: decides what a bad signature means (the
 * caller turns it into a delivery status or an errno).
 */
import { CMD_ENTRY_BYTES, CmdLayout, CmdProtBlock } from '../ifc/cmd-layout.js';

const ENTRY_SIG = CmdLayout.byteOffset('sig');
const CTRL_START = CmdProtBlock.byteOffset('reserved_at_1000');
const CTRL_SIG = CmdProtBlock.byteOffset('ctrl_sig');
const BLOCK_SIG = CmdProtBlock.byteOffset('sig');

/** Int32 views of whole ArrayBuffers, so xor8 reads words without a view per call. */
const words = new WeakMap<ArrayBufferLike, Int32Array>();

function wordsOf(ab: ArrayBufferLike): Int32Array {
  let w = words.get(ab);
  if (!w) {
    w = new Int32Array(ab, 0, ab.byteLength >>> 2);
    words.set(ab, w);
  }
  return w;
}

/**
 * xor8: the XOR of `len` bytes of `buf` from `start`. XOR is order-free, so
 * folding 32-bit words gives the same byte; aligned ranges (every queue
 * entry and mailbox block) are read a word at a time.
 */
export function xor8(buf: Buffer, start: number, len: number): number {
  let x = 0;
  let i = 0;
  const abs = buf.byteOffset + start;
  if ((abs & 3) === 0) {
    const w = wordsOf(buf.buffer);
    const first = abs >>> 2;
    const end = first + (len >>> 2);
    let k = first;
    // Four independent lanes keep the loop free of a serial dependency.
    let a = 0;
    let b = 0;
    let c = 0;
    for (; k + 4 <= end; k += 4) {
      x ^= w[k]!;
      a ^= w[k + 1]!;
      b ^= w[k + 2]!;
      c ^= w[k + 3]!;
    }
    for (; k < end; k++) x ^= w[k]!;
    x ^= a ^ b ^ c;
    i = len & ~3;
  }
  x ^= x >>> 16;
  x ^= x >>> 8;
  for (; i < len; i++) x ^= buf[start + i]!;
  return x & 0xff;
}

/** signEntry: set the `sig` of the entry at byte `base` of `page`. */
export function signEntry(page: Buffer, base: number): void {
  page[base + ENTRY_SIG] = 0;
  page[base + ENTRY_SIG] = ~xor8(page, base, CMD_ENTRY_BYTES) & 0xff;
}

/** entryIntact: true when the entry at `base` carries a valid `sig`. */
export function entryIntact(page: Buffer, base: number): boolean {
  return xor8(page, base, CMD_ENTRY_BYTES) === 0xff;
}

/**
 * signBlock: set `ctrl_sig` and `sig` of a mailbox block (a 576-byte view).
 * The data bytes are XORed once: with `ctrl_sig` = ~ctrl, the bytes before
 * `sig` XOR to data ^ 0xff, so `sig` = ~(data ^ 0xff) = data.
 */
export function signBlock(block: Buffer): void {
  block[CTRL_SIG] = ~xor8(block, CTRL_START, CTRL_SIG - CTRL_START) & 0xff;
  block[BLOCK_SIG] = xor8(block, 0, CTRL_START);
}

/**
 * signBlockControl: set only `ctrl_sig` (and clear `sig`) of a block whose
 * data carries nothing yet: the output chain the driver prepares, which
 * firmware checks by its control bytes and fills and signs in full.
 */
export function signBlockControl(block: Buffer): void {
  block[CTRL_SIG] = ~xor8(block, CTRL_START, CTRL_SIG - CTRL_START) & 0xff;
  block[BLOCK_SIG] = 0;
}

/** controlIntact: true when the control bytes of a block verify (`ctrl_sig` only). */
export function controlIntact(block: Buffer): boolean {
  return xor8(block, CTRL_START, CTRL_SIG + 1 - CTRL_START) === 0xff;
}

/**
 * blockIntact: true when both signatures of a mailbox block verify: the
 * control bytes through `ctrl_sig` XOR to 0xff, and so do all 576 bytes
 * (data XOR control XOR sig), each byte read once.
 */
export function blockIntact(block: Buffer): boolean {
  const ctrl = xor8(block, CTRL_START, CTRL_SIG + 1 - CTRL_START);
  return ctrl === 0xff && (xor8(block, 0, CTRL_START) ^ ctrl ^ block[BLOCK_SIG]!) === 0xff;
}
