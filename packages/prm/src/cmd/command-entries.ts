/**
 * CommandEntries: the queue page as both sides read and write it.
 *
 * The driver fills an entry and hands ownership to the device; the device
 * validates it, runs the command and writes back the inline outbox and a
 * delivery status, returning ownership. Both halves of that protocol live
 * here, so the driver (`CommandQueue`) and the device (`SimDevice`) cannot
 * disagree about a byte.
 *
 * Field offsets are taken from `CmdLayout` once, at import; the accessors
 * then read the page directly (a DataView, and 32-bit words for the
 * signature) because they run on every command: this is the queue's hot
 * path. The signature rule itself is the one in signature.ts.
 *
 * Owns: nothing (a view of a page the driver owns). Never: keeps state of
 * its own, or decides what a delivery status means to a caller.
 */

import {
  CMD_ENTRY_BYTES,
  CMD_OWNER_HW,
  CMD_QUEUE_BYTES,
  CMD_QUEUE_SLOTS,
  CMD_TYPE_PCI,
  CmdLayout,
} from '../ifc/cmd-layout.js';
import { CMD_HDR_BYTES, CmdHdrIn, MAX_CMD_BYTES } from '../ifc/header.js';
import { DeliveryStatus } from '../ifc/status.js';
import { xor8 } from './signature.js';

const TYPE = CmdLayout.byteOffset('type');
const RSVD0 = wordField('reserved_at_8');
const INLEN = CmdLayout.byteOffset('inlen');
const IN_PTR_H = CmdLayout.byteOffset('in_ptr_h');
const IN_PTR_L = CmdLayout.byteOffset('in_ptr_l');
const IN = CmdLayout.byteOffset('in');
const OUT = CmdLayout.byteOffset('out');
const OUT_PTR_H = CmdLayout.byteOffset('out_ptr_h');
const OUT_PTR_L = CmdLayout.byteOffset('out_ptr_l');
const OUTLEN = CmdLayout.byteOffset('outlen');
const TOKEN = CmdLayout.byteOffset('token');
const RSVD1 = CmdLayout.byteOffset('reserved_at_1f0');
const SIG = CmdLayout.byteOffset('sig');
const STATUS_OWN = CmdLayout.byteOffset('status_own');
const OPCODE = CmdHdrIn.byteOffset('opcode');
const OP_MOD = CmdHdrIn.byteOffset('op_mod');
const TWO_32 = 0x1_0000_0000;

/** CommandEntries: typed access to the 32 entries of a queue page. */
export class CommandEntries {
  private readonly dv: DataView;
  /** The page as 32-bit words when it is 4-byte aligned (fast signatures), else undefined. */
  private readonly words: Int32Array | undefined;

  constructor(readonly page: Buffer) {
    if (page.length < CMD_QUEUE_BYTES) {
      throw new RangeError(`a command queue page needs ${CMD_QUEUE_BYTES} bytes`);
    }
    this.dv = new DataView(page.buffer, page.byteOffset, CMD_QUEUE_BYTES);
    this.words =
      page.byteOffset % 4 === 0
        ? new Int32Array(page.buffer, page.byteOffset, CMD_QUEUE_BYTES / 4)
        : undefined;
  }

  // ---- driver side -------------------------------------------------------

  /**
   * writeRequest: fill entry `slot` for a command and give it to hardware
   * (ownership bit set, signed). `inPtr` / `outPtr` are the first mailbox
   * blocks, 0 when the message fits inline.
   */
  writeRequest(
    slot: number,
    inbox: Buffer,
    inPtr: number,
    outLen: number,
    outPtr: number,
    token: number,
  ): void {
    const p = this.page;
    const dv = this.dv;
    const b = slot * CMD_ENTRY_BYTES;
    this.zero(b);
    p[b + TYPE] = CMD_TYPE_PCI;
    dv.setUint32(b + INLEN, inbox.length);
    dv.setUint32(b + IN_PTR_H, Math.floor(inPtr / TWO_32));
    dv.setUint32(b + IN_PTR_L, inPtr >>> 0);
    const n = Math.min(inbox.length, CMD_HDR_BYTES);
    for (let i = 0; i < n; i++) p[b + IN + i] = inbox[i]!;
    dv.setUint32(b + OUT_PTR_H, Math.floor(outPtr / TWO_32));
    dv.setUint32(b + OUT_PTR_L, outPtr >>> 0);
    dv.setUint32(b + OUTLEN, outLen);
    p[b + TOKEN] = token;
    p[b + STATUS_OWN] = CMD_OWNER_HW;
    this.sign(b);
  }

  /** ownedByHw: true while the device owns entry `slot`. */
  ownedByHw(slot: number): boolean {
    return (this.page[slot * CMD_ENTRY_BYTES + STATUS_OWN]! & CMD_OWNER_HW) !== 0;
  }

  /** deliveryStatus: the delivery status firmware wrote (status_own bits 7:1). */
  deliveryStatus(slot: number): number {
    return this.page[slot * CMD_ENTRY_BYTES + STATUS_OWN]! >>> 1;
  }

  /** token: the entry's token. */
  token(slot: number): number {
    return this.page[slot * CMD_ENTRY_BYTES + TOKEN]!;
  }

  /** intact: true when the entry's signature verifies. */
  intact(slot: number): boolean {
    return this.xor(slot * CMD_ENTRY_BYTES) === 0xff;
  }

  /** readInlineOut: copy the inline outbox (up to 16 bytes) to the start of `into`. */
  readInlineOut(slot: number, into: Buffer): void {
    copyBytes(this.page, slot * CMD_ENTRY_BYTES + OUT, into, 0, CMD_HDR_BYTES);
  }

  // ---- device side -------------------------------------------------------

  /**
   * descriptorFault: the delivery status a device reports for a malformed
   * entry (type, signature, reserved bits, token, lengths), or OK.
   */
  descriptorFault(slot: number): number {
    const p = this.page;
    const dv = this.dv;
    const b = slot * CMD_ENTRY_BYTES;
    if (p[b + TYPE] !== CMD_TYPE_PCI) return DeliveryStatus.CMD_DESCR;
    if (this.xor(b) !== 0xff) return DeliveryStatus.SIGNAT_ERR;
    if (((dv.getUint32(b + RSVD0.at) >>> RSVD0.shift) & RSVD0.mask) !== 0 || p[b + RSVD1] !== 0) {
      return DeliveryStatus.RES_FLD_NOT_CLR;
    }
    if (p[b + TOKEN] === 0) return DeliveryStatus.TOK_ERR;
    const inLen = dv.getUint32(b + INLEN);
    if (inLen < CMD_HDR_BYTES || inLen > MAX_CMD_BYTES) return DeliveryStatus.IN_LENGTH;
    const outLen = dv.getUint32(b + OUTLEN);
    if (outLen < CMD_HDR_BYTES || outLen > MAX_CMD_BYTES) return DeliveryStatus.OUT_LENGTH;
    return DeliveryStatus.OK;
  }

  /** inLen / outLen: the lengths the driver declared. */
  inLen(slot: number): number {
    return this.dv.getUint32(slot * CMD_ENTRY_BYTES + INLEN);
  }

  outLen(slot: number): number {
    return this.dv.getUint32(slot * CMD_ENTRY_BYTES + OUTLEN);
  }

  /** inPtr / outPtr: bus addresses of the first mailbox blocks. */
  inPtr(slot: number): number {
    const b = slot * CMD_ENTRY_BYTES;
    return this.dv.getUint32(b + IN_PTR_H) * TWO_32 + this.dv.getUint32(b + IN_PTR_L);
  }

  outPtr(slot: number): number {
    const b = slot * CMD_ENTRY_BYTES;
    return this.dv.getUint32(b + OUT_PTR_H) * TWO_32 + this.dv.getUint32(b + OUT_PTR_L);
  }

  /** opcode / opMod: from the inline inbox header. */
  opcode(slot: number): number {
    return this.dv.getUint16(slot * CMD_ENTRY_BYTES + IN + OPCODE);
  }

  opMod(slot: number): number {
    return this.dv.getUint16(slot * CMD_ENTRY_BYTES + IN + OP_MOD);
  }

  /** readInlineIn: copy the inline inbox (up to 16 bytes) to the start of `into`. */
  readInlineIn(slot: number, into: Buffer): void {
    copyBytes(this.page, slot * CMD_ENTRY_BYTES + IN, into, 0, CMD_HDR_BYTES);
  }

  /**
   * complete: firmware's last write to an entry: the inline outbox (when
   * given), the delivery status, ownership back to software, a fresh
   * signature.
   */
  complete(slot: number, deliveryStatus: number, outbox?: Buffer): void {
    const p = this.page;
    const b = slot * CMD_ENTRY_BYTES;
    if (outbox) {
      const n = Math.min(outbox.length, CMD_HDR_BYTES);
      for (let i = 0; i < n; i++) p[b + OUT + i] = outbox[i]!;
      for (let i = n; i < CMD_HDR_BYTES; i++) p[b + OUT + i] = 0;
    }
    p[b + STATUS_OWN] = (deliveryStatus << 1) & 0xfe;
    this.sign(b);
  }

  // ---- signature -----------------------------------------------------------

  private sign(b: number): void {
    this.page[b + SIG] = 0;
    this.page[b + SIG] = ~this.xor(b) & 0xff;
  }

  /** xor: XOR of the 64 bytes of the entry at `b` (word-wise when the page is aligned). */
  private xor(b: number): number {
    const w = this.words;
    if (!w) return xor8(this.page, b, CMD_ENTRY_BYTES);
    let x = 0;
    for (let i = b >> 2, end = (b + CMD_ENTRY_BYTES) >> 2; i < end; i++) x ^= w[i]!;
    x ^= x >>> 16;
    x ^= x >>> 8;
    return x & 0xff;
  }

  private zero(b: number): void {
    const w = this.words;
    if (w) w.fill(0, b >> 2, (b + CMD_ENTRY_BYTES) >> 2);
    else this.page.fill(0, b, b + CMD_ENTRY_BYTES);
  }
}

/** wordField: where a sub-word field of CmdLayout sits, for a DataView read (from the layout). */
function wordField(name: 'reserved_at_8'): { at: number; shift: number; mask: number } {
  const f = CmdLayout.info(name);
  return {
    at: (f.bitOffset >>> 5) * 4,
    shift: 32 - (f.bitOffset & 31) - f.bits,
    mask: f.bits === 32 ? 0xffff_ffff : (1 << f.bits) - 1,
  };
}

/** copyBytes: copy up to `max` bytes (bounded by both buffers); short copies stay in JS. */
function copyBytes(from: Buffer, at: number, to: Buffer, toAt: number, max: number): void {
  const n = Math.min(max, to.length - toAt, from.length - at);
  for (let i = 0; i < n; i++) to[toAt + i] = from[at + i]!;
}

/** isSlot: true for a valid slot index. */
export function isSlot(slot: number): boolean {
  return Number.isInteger(slot) && slot >= 0 && slot < CMD_QUEUE_SLOTS;
}
