/**
 * The command-queue entry and the mailbox block (Linux `mlx5_cmd_layout`
 * and `mlx5_cmd_prot_block`, include/linux/mlx5/device.h).
 *
 * The command queue is one page of 32 entries of 64 bytes. An entry carries
 * the first 16 bytes of the inbox and of the outbox inline; whatever is
 * longer travels in a chain of mailbox blocks, each with 512 data bytes, a
 * `next` bus address (0 ends the chain), its position (`block_num`), the
 * command's token and two signatures.
 *
 * Linux declares the bus addresses (`in_ptr`, `out_ptr`, `next`) as one
 * `__be64`; they are split here into `_h` / `_l` halves (as mlx5_ifc.h does
 * for `cmdq_addr_h` / `cmdq_addr_l_sz` in the initialization segment) so the
 * queue's hot path reads two numbers instead of building a bigint.
 *
 * Owns: the two layouts and the transport constants. Never: behaviour (see
 * cmd/command-entries.ts and cmd/mailbox-chain.ts).
 */
import { defineLayout } from '../layout/layout.js';

/** CmdLayout: one 64-byte command-queue entry. */
export const CmdLayout = defineLayout('cmd_layout', {
  /** Transport type; always CMD_TYPE_PCI. */
  type: 8,
  reserved_at_8: 24,
  /** Inbox length in bytes (header + payload). */
  inlen: 32,
  /** Bus address of the first input mailbox block (0 when inlen <= 16). */
  in_ptr_h: 32,
  in_ptr_l: 32,
  /** The first 16 bytes of the inbox. */
  in: { bytes: 16 },
  /** The first 16 bytes of the outbox, written by firmware. */
  out: { bytes: 16 },
  /** Bus address of the first output mailbox block (0 when outlen <= 16). */
  out_ptr_h: 32,
  out_ptr_l: 32,
  outlen: 32,
  /** 1..255; repeated in every mailbox block of the command. */
  token: 8,
  /** ~xor8 of the whole entry (computed with sig = 0). */
  sig: 8,
  reserved_at_1f0: 8,
  /** bit 0: ownership (1 = hardware); bits 7:1: delivery status. */
  status_own: 8,
});

/** CmdProtBlock: one 576-byte mailbox block. */
export const CmdProtBlock = defineLayout('cmd_prot_block', {
  data: { bytes: 512 },
  reserved_at_1000: 384,
  /** Bus address of the next block; 0 ends the chain. */
  next_h: 32,
  next_l: 32,
  /** Position in the chain, 0 for the first block. */
  block_num: 32,
  reserved_at_11e0: 8,
  token: 8,
  /** ~xor8 of the control bytes (reserved_at_1000 .. token). */
  ctrl_sig: 8,
  /** ~xor8 of the whole block but `sig` itself. */
  sig: 8,
});

/** CMD_ENTRY_BYTES: size of one queue entry. */
export const CMD_ENTRY_BYTES = CmdLayout.bytes;
/** CMD_QUEUE_SLOTS: entries in the queue page (log_cmdq_size 5). */
export const CMD_QUEUE_SLOTS = 32;
/** CMD_QUEUE_BYTES: the size of the queue page given to the device. */
export const CMD_QUEUE_BYTES = CMD_ENTRY_BYTES * CMD_QUEUE_SLOTS;
/** PAGE_QUEUE_SLOT: the slot reserved for MANAGE_PAGES. */
export const PAGE_QUEUE_SLOT = CMD_QUEUE_SLOTS - 1;
/** MAX_REG_CMDS: regular commands that may be in flight at once. */
export const MAX_REG_CMDS = CMD_QUEUE_SLOTS - 1;
/** CMD_TYPE_PCI: `type` of an entry posted over PCI (MLX5_PCI_CMD_XPORT). */
export const CMD_TYPE_PCI = 7;
/** CMD_OWNER_HW: the ownership bit of `status_own`. */
export const CMD_OWNER_HW = 0x1;
/** MAILBOX_BLOCK_BYTES: size of one mailbox block. */
export const MAILBOX_BLOCK_BYTES = CmdProtBlock.bytes;
/**
 * MAILBOX_ALIGN: alignment of a block's bus address. Linux allocates blocks
 * from a DMA pool aligned to the block size rounded up to a power of two;
 * the device reports a misaligned pointer as IN/OUT_PTR_ALIGN.
 */
export const MAILBOX_ALIGN = 1024;
