/**
 * MailboxChain: the part of a command message that does not fit inline.
 *
 * A message (inbox or outbox) of `length` bytes travels as 16 inline bytes
 * in the queue entry plus ceil((length - 16) / 512) mailbox blocks chained
 * by bus address (`CmdProtBlock`): block i carries bytes 16 + 512 * i ..,
 * its `block_num` is i, every block carries the command's token and is
 * signed (see signature.ts). `length` below is always the whole message
 * length, as in the entry's `inlen` / `outlen`.
 *
 * One implementation serves both sides:
 * - driver: `encode` builds the input chain, `prepare` the empty output
 *   chain (structure and token set, as Linux pre-builds `ent->out`), and
 *   `decodeInto` reads the output chain back, verifying it;
 * - device: `decodeInto` gathers the input chain, `collect` + `fill` verify
 *   and then write the output chain.
 * Reading follows the `next` pointers found in memory, through a
 * `BlockMemory` (the driver's pool, or the device's DmaSpace).
 *
 * A broken chain is reported as the delivery status firmware would write:
 * SIGNAT_ERR (a signature does not verify), TOK_ERR (token differs from the
 * entry's), BAD_BLK_NUM (block out of sequence), IN_PTR_ALIGN / OUT_PTR_ALIGN
 * (a pointer is zero, misaligned or not mapped).
 *
 * CHECKSUMS
 * Block signatures are optional, as in mlx5: Linux runs with mailbox
 * checksums off (`checksum_disabled`) and firmware checks them only when
 * its `cmdif_checksum` capability says so. With `checksum` false nothing is
 * signed or verified and only pointers, tokens and block numbers are
 * checked; the entry itself is always signed (signature.ts).
 *
 * Owns: the chain format. Never: allocates bus memory itself (MailboxPool)
 * or decides what a fault means to a caller.
 */

import { CmdProtBlock, MAILBOX_ALIGN, MAILBOX_BLOCK_BYTES } from '../ifc/cmd-layout.js';
import { CMD_HDR_BYTES, MAILBOX_DATA_BYTES, MAX_CMD_BYTES, MAX_MAILBOXES } from '../ifc/header.js';
import { DeliveryStatus, deliveryStatusName } from '../ifc/status.js';
import type { MailboxBlock, MailboxPool } from './mailbox-pool.js';
import { blockIntact, controlIntact, signBlock, signBlockControl } from './signature.js';

const NEXT_H = CmdProtBlock.byteOffset('next_h');
const NEXT_L = CmdProtBlock.byteOffset('next_l');
const BLOCK_NUM = CmdProtBlock.byteOffset('block_num');
const TOKEN = CmdProtBlock.byteOffset('token');
const TWO_32 = 0x1_0000_0000;

/** BlockMemory: resolves a block's bus address to its 576 bytes, or undefined. */
export interface BlockMemory {
  resolve(addr: number): Buffer | undefined;
}

/** ChainDirection: which chain is read; picks IN_PTR_ALIGN or OUT_PTR_ALIGN for bad pointers. */
export type ChainDirection = 'in' | 'out';

/** ChainFault: why a chain was refused: a delivery status and the block where it was found. */
export class ChainFault {
  constructor(
    readonly status: number,
    readonly block: number,
  ) {}

  /** describe: e.g. `TOK_ERR at mailbox block 3`. */
  describe(): string {
    return `${deliveryStatusName(this.status)} at mailbox block ${this.block}`;
  }
}

/** blocksFor: how many blocks a message of `length` bytes needs. */
export function blocksFor(length: number): number {
  return length <= CMD_HDR_BYTES ? 0 : Math.ceil((length - CMD_HDR_BYTES) / MAILBOX_DATA_BYTES);
}

/**
 * encode: the input chain of `message` (its bytes past the inline 16) in
 * blocks taken from `pool`, signed with `token`. Returns the first block
 * (its `addr` goes into `in_ptr`), undefined when everything fits inline.
 * The caller gives the chain back to the pool when the command is done.
 * `checksum` false leaves the signatures out (see CHECKSUMS above).
 */
export function encode(
  pool: MailboxPool,
  message: Buffer,
  token: number,
  checksum = true,
): MailboxBlock | undefined {
  return build(pool, blocksFor(message.length), token, message, checksum);
}

/** prepare: an output chain for a `length`-byte outbox: linked, numbered, tokened and signed. */
export function prepare(
  pool: MailboxPool,
  length: number,
  token: number,
  checksum = true,
): MailboxBlock | undefined {
  return build(pool, blocksFor(length), token, undefined, checksum);
}

function build(
  pool: MailboxPool,
  n: number,
  token: number,
  message: Buffer | undefined,
  checksum: boolean,
): MailboxBlock | undefined {
  if (n === 0) return undefined;
  if (n > MAX_MAILBOXES) {
    throw new RangeError(`a command message has at most ${MAX_CMD_BYTES} bytes`);
  }
  // An output chain has no data yet: only its control bytes are signed.
  const sign = !checksum ? unsigned : message ? signBlock : signBlockControl;
  const head = pool.take();
  let b = head;
  for (let i = 0; ; i++) {
    const buf = b.buf;
    if (message) {
      const from = CMD_HDR_BYTES + i * MAILBOX_DATA_BYTES;
      const copied = message.copy(
        buf,
        0,
        from,
        Math.min(from + MAILBOX_DATA_BYTES, message.length),
      );
      if (copied < MAILBOX_DATA_BYTES) buf.fill(0, copied, MAILBOX_DATA_BYTES);
    }
    buf.writeUInt32BE(i, BLOCK_NUM);
    buf[TOKEN] = token;
    if (i === n - 1) {
      buf.writeUInt32BE(0, NEXT_H);
      buf.writeUInt32BE(0, NEXT_L);
      sign(buf);
      return head;
    }
    const next = pool.take();
    b.link = next;
    buf.writeUInt32BE(Math.floor(next.addr / TWO_32), NEXT_H);
    buf.writeUInt32BE(next.addr >>> 0, NEXT_L);
    sign(buf);
    b = next;
  }
}

/**
 * decodeInto: verify the chain at `first` and copy its data into
 * `into[16 .. length)`. Returns undefined on success, else the fault.
 * Bytes 0..15 of `into` are not touched (they travel inline).
 */
export function decodeInto(
  mem: BlockMemory,
  first: number,
  length: number,
  token: number,
  into: Buffer,
  dir: ChainDirection,
  checksum = true,
): ChainFault | undefined {
  return walk(mem, first, length, token, dir, checksum ? blockIntact : unchecked, (buf, i) => {
    const at = CMD_HDR_BYTES + i * MAILBOX_DATA_BYTES;
    buf.copy(into, at, 0, Math.min(MAILBOX_DATA_BYTES, length - at));
  });
}

/** decode: like decodeInto, into a new `length`-byte buffer (bytes 0..15 zero). */
export function decode(
  mem: BlockMemory,
  first: number,
  length: number,
  token: number,
  dir: ChainDirection,
  checksum = true,
): Buffer | ChainFault {
  const out = Buffer.alloc(length);
  return decodeInto(mem, first, length, token, out, dir, checksum) ?? out;
}

/**
 * collect: verify the (output) chain at `first` for a `length`-byte
 * message and return its blocks in order, for `fill` to write later.
 */
export function collect(
  mem: BlockMemory,
  first: number,
  length: number,
  token: number,
  dir: ChainDirection,
  checksum = true,
): Buffer[] | ChainFault {
  const blocks: Buffer[] = new Array(blocksFor(length));
  const fault = walk(
    mem,
    first,
    length,
    token,
    dir,
    checksum ? controlIntact : unchecked,
    (buf, i) => {
      blocks[i] = buf;
    },
  );
  return fault ?? blocks;
}

/**
 * walk: follow the chain of a `length`-byte message from `first`, checking
 * each block (pointer, `intact`, token, block number) before `visit` sees it.
 */
function walk(
  mem: BlockMemory,
  first: number,
  length: number,
  token: number,
  dir: ChainDirection,
  intact: (block: Buffer) => boolean,
  visit: (block: Buffer, index: number) => void,
): ChainFault | undefined {
  const n = blocksFor(length);
  let addr = first;
  for (let i = 0; i < n; i++) {
    const buf = mem.resolve(addr);
    const fault = check(buf, addr, i, token, dir, intact);
    if (fault) return fault;
    visit(buf!, i);
    addr = nextOf(buf!);
  }
  return undefined;
}

/**
 * fill: write `message` (its bytes past the inline 16) into blocks from
 * `collect`, zero-filling past its end, and re-sign each block.
 */
export function fill(blocks: readonly Buffer[], message: Buffer, checksum = true): void {
  for (let i = 0; i < blocks.length; i++) {
    const buf = blocks[i]!;
    const from = CMD_HDR_BYTES + i * MAILBOX_DATA_BYTES;
    const end = Math.min(from + MAILBOX_DATA_BYTES, message.length);
    const copied = from < end ? message.copy(buf, 0, from, end) : 0;
    if (copied < MAILBOX_DATA_BYTES) buf.fill(0, copied, MAILBOX_DATA_BYTES);
    if (checksum) signBlock(buf);
  }
}

function check(
  buf: Buffer | undefined,
  addr: number,
  i: number,
  token: number,
  dir: ChainDirection,
  intact: (block: Buffer) => boolean,
): ChainFault | undefined {
  if (!buf || addr === 0 || addr % MAILBOX_ALIGN !== 0 || buf.length < MAILBOX_BLOCK_BYTES) {
    return new ChainFault(
      dir === 'in' ? DeliveryStatus.IN_PTR_ALIGN : DeliveryStatus.OUT_PTR_ALIGN,
      i,
    );
  }
  if (!intact(buf)) return new ChainFault(DeliveryStatus.SIGNAT_ERR, i);
  if (buf[TOKEN] !== token) return new ChainFault(DeliveryStatus.TOK_ERR, i);
  if (buf.readUInt32BE(BLOCK_NUM) !== i) return new ChainFault(DeliveryStatus.BAD_BLK_NUM, i);
  return undefined;
}

/** unsigned / unchecked: the block signature rules when checksums are off. */
function unsigned(): void {}

function unchecked(): boolean {
  return true;
}

function nextOf(buf: Buffer): number {
  return buf.readUInt32BE(NEXT_H) * TWO_32 + buf.readUInt32BE(NEXT_L);
}

/** dmaBlockMemory: the device's view of blocks: bus addresses resolved through a DmaSpace. */
export function dmaBlockMemory(dma: { resolveAt(addr: number, len: number): Buffer | undefined }) {
  return {
    resolve(addr: number): Buffer | undefined {
      return addr > 0 ? dma.resolveAt(addr, MAILBOX_BLOCK_BYTES) : undefined;
    },
  } satisfies BlockMemory;
}

/** MailboxChain: the chain functions as one namespace. */
export const MailboxChain = {
  blocksFor,
  encode,
  prepare,
  decode,
  decodeInto,
  collect,
  fill,
} as const;
