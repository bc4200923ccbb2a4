/**
 * coredump (mlx5ctlu `coredump`): the firmware core dump through a
 * context, either through user memory or inline in register reads. The
 * CORE_DUMP protocol is the device's (sim/registers/core-dump-register.ts):
 * each reply carries `dump_size`, `dump_offset`, `size`, `more_dump` and
 * the `cookie` to pass back for the next bytes: the address after the last
 * (address, value) pair delivered, also on the final reply. Devices
 * deliver whole 8-byte pairs, so a piece or window is used in multiples of
 * 8 bytes and must hold at least one pair.
 *
 * umem: a dump window (umem + PD + mkey, see dump-window.ts) and
 *   CR_DUMP_TO_MEM calls, each writing as much as the window holds; one
 *   call when the window fits the whole dump. The window is, by default,
 *   the dump's size, learnt first from a one-pair inline read (a device
 *   without inline dumps gets a 4 MiB window); when one call delivers the
 *   whole dump, the window's buffer is returned as is (no copy).
 * inline: CR_DUMP_INLINE reads of at most `pieceBytes` each (default 208,
 *   the size of RESOURCE_DUMP's inline data: a register-sized read; up to
 *   INLINE_PIECE_MAX, the largest outbox a command carries).
 * Both give the same bytes for the same crash. Everything the umem path
 * creates is released afterwards, on success or failure. Loops are
 * bounded by the dump size: a device that keeps answering `more_dump`
 * without progress is EIO.
 *
 * Owns: the loops. Never: keeps a dump after returning it.
 */

import { printable } from '@auxctl/core';
import {
  AccessRegisterOut,
  AccessRegOpMod,
  AuxError,
  CORE_DUMP_INLINE_OFFSET,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_MAX_BYTES,
  CRDUMP_PAIR_BYTES,
  type CrdumpHeader,
  crdumpHeader,
  isAuxError,
  MAX_CMD_BYTES,
  RegisterId,
  Syndrome,
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';
import { withDumpWindow } from './dump-window.js';
import { accessRegisterRaw } from './registers.js';

/** INLINE_PIECE_DEFAULT / INLINE_PIECE_MAX: inline piece sizes (bytes of dump per read). */
export const INLINE_PIECE_DEFAULT = 208;
export const INLINE_PIECE_MAX = MAX_CMD_BYTES - AccessRegisterOut.bytes - CORE_DUMP_INLINE_OFFSET;

/** DEFAULT_WINDOW_BYTES: the umem window when the dump size cannot be learnt first. */
export const DEFAULT_WINDOW_BYTES = 4 * 1024 * 1024;

/** CoredumpOptions: how to take the dump. */
export interface CoredumpOptions {
  readonly mode: 'umem' | 'inline';
  /** inline: largest piece per read, 8..INLINE_PIECE_MAX; default INLINE_PIECE_DEFAULT. */
  readonly pieceBytes?: number;
  /** umem: window size, 1..64 MiB; default the dump's size. */
  readonly windowBytes?: number;
  /** Called after every reply. */
  readonly onProgress?: (p: CoredumpProgress) => void;
}

/** CoredumpProgress: one reply. */
export interface CoredumpProgress {
  readonly offset: number;
  readonly bytes: number;
  readonly size: number;
  readonly moreDump: boolean;
  readonly cookie: bigint;
}

/** CoredumpResult: the dump and how the last reply ended it. */
export interface CoredumpResult {
  readonly mode: 'umem' | 'inline';
  readonly data: Buffer;
  /** Total dump bytes (`dump_size`). */
  readonly size: number;
  /** The last reply's cookie: the address after the last pair (the dump's end once complete). */
  readonly cookie: bigint;
  /** The last reply's more_dump (false once complete). */
  readonly moreDump: boolean;
  /** CORE_DUMP calls made (the umem path's size query included). */
  readonly calls: number;
  /** The simulator's header (the values of the first 64 pairs), when the dump carries one. */
  readonly header: ReturnType<typeof CrdumpHeader.decode> | undefined;
}

type Reply = ReturnType<typeof CoreDumpReg.decode>;

/** Assembly: collects replies into one dump and checks that they add up. */
class Assembly {
  data: Buffer | undefined;
  size = 0;
  offset = 0;
  calls = 0;
  last: Reply | undefined;
  private limit = 0;

  constructor(
    private readonly perCall: number,
    private readonly onProgress?: (p: CoredumpProgress) => void,
  ) {}

  /** take: record reply `r` whose bytes are `src`; true while more bytes remain. */
  take(r: Reply, src: Buffer, adopt: boolean): boolean {
    this.calls++;
    if (!this.data) {
      if (r.dump_size < 1 || r.dump_size > CRDUMP_MAX_BYTES) {
        throw new AuxError('EIO', `device reported a ${r.dump_size}-byte core dump; retry`);
      }
      this.size = r.dump_size;
      const pairsPerCall = Math.max(1, Math.floor(this.perCall / CRDUMP_PAIR_BYTES));
      this.limit = Math.ceil(this.size / (pairsPerCall * CRDUMP_PAIR_BYTES)) + 1;
      // One reply with the whole dump: keep its memory instead of copying it.
      this.data = adopt && !r.more_dump && r.size === r.dump_size ? src : Buffer.alloc(r.dump_size);
    }
    if (
      r.dump_size !== this.size ||
      r.dump_offset !== this.offset ||
      r.size > this.perCall ||
      this.offset + r.size > this.size
    ) {
      throw new AuxError(
        'EIO',
        `core dump reply out of sequence (offset ${r.dump_offset}+${r.size} of ${r.dump_size}, expected ${this.offset} of ${this.size}); take the dump again`,
      );
    }
    if (this.data !== src) src.copy(this.data, this.offset, 0, r.size);
    this.offset += r.size;
    this.last = r;
    this.onProgress?.({
      offset: r.dump_offset,
      bytes: r.size,
      size: this.size,
      moreDump: r.more_dump === 1,
      cookie: r.cookie,
    });
    if (!r.more_dump) {
      if (this.offset !== this.size) {
        throw new AuxError('EIO', `core dump ended at ${this.offset} of ${this.size} bytes`);
      }
      return false;
    }
    if (r.size === 0 || this.calls >= this.limit) {
      throw new AuxError('EIO', 'the device keeps answering more_dump without progress');
    }
    return true;
  }

  result(mode: 'umem' | 'inline', extraCalls = 0): CoredumpResult {
    const data = this.data!;
    const header = crdumpHeader(data.subarray(0, this.size));
    return {
      mode,
      data: data.subarray(0, this.size),
      size: this.size,
      cookie: this.last!.cookie,
      moreDump: this.last!.more_dump === 1,
      calls: this.calls + extraCalls,
      header,
    };
  }
}

async function coreDumpRead(ch: CtlChannel, fields: Partial<Reply>, room = 0): Promise<Buffer> {
  return accessRegisterRaw(
    ch,
    RegisterId.CORE_DUMP,
    AccessRegOpMod.READ,
    CoreDumpReg.encode(fields),
    {
      outBytes: CoreDumpReg.bytes + room,
    },
  );
}

function checkRange(what: string, v: number | undefined, min: number, max: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min || v > max)) {
    throw new AuxError('EINVAL', `${what} must be ${min}..${max} bytes, got ${printable(v)}`);
  }
}

/** coredumpInline: the inline path (see the module header). */
async function coredumpInline(ch: CtlChannel, opts: CoredumpOptions): Promise<CoredumpResult> {
  const piece = opts.pieceBytes ?? INLINE_PIECE_DEFAULT;
  const asm = new Assembly(piece, opts.onProgress);
  let cookie = 0n;
  for (;;) {
    const reg = await coreDumpRead(
      ch,
      { core_dump_type: CoreDumpType.CR_DUMP_INLINE, size: piece, cookie },
      piece,
    );
    const r = CoreDumpReg.decode(reg);
    if (!asm.take(r, reg.subarray(CORE_DUMP_INLINE_OFFSET), false)) return asm.result('inline');
    cookie = r.cookie;
  }
}

/** dumpSize: the size of the dump about to be taken, or undefined when the device cannot say. */
async function dumpSize(ch: CtlChannel): Promise<number | undefined> {
  try {
    const reg = await coreDumpRead(
      ch,
      { core_dump_type: CoreDumpType.CR_DUMP_INLINE, size: CRDUMP_PAIR_BYTES },
      CRDUMP_PAIR_BYTES,
    );
    return CoreDumpReg.get(reg, 'dump_size');
  } catch (err) {
    // A device without inline dumps refuses the type; a missing capability is the caller's problem.
    const syndrome = isAuxError(err, 'EINVAL') ? err.detail?.syndrome : undefined;
    if (syndrome !== undefined && syndrome !== Syndrome.UID_LACKS_CAP) return undefined;
    throw err;
  }
}

/** coredumpUmem: the umem path (see the module header). */
async function coredumpUmem(ch: CtlChannel, opts: CoredumpOptions): Promise<CoredumpResult> {
  let probes = 0;
  let window = opts.windowBytes;
  if (window === undefined) {
    probes = 1;
    const size = await dumpSize(ch);
    window = size && size <= CRDUMP_MAX_BYTES ? size : DEFAULT_WINDOW_BYTES;
  }
  const bytes = window;
  return withDumpWindow(ch, bytes, async (w) => {
    const asm = new Assembly(w.buffer.length, opts.onProgress);
    let cookie = 0n;
    for (;;) {
      const reg = await coreDumpRead(ch, {
        core_dump_type: CoreDumpType.CR_DUMP_TO_MEM,
        mkey: w.mkey,
        address: 0n,
        size: w.buffer.length,
        cookie,
      });
      const r = CoreDumpReg.decode(reg);
      if (!asm.take(r, w.buffer, true)) return asm.result('umem', probes);
      cookie = r.cookie;
    }
  });
}

/**
 * coredump: the firmware core dump (see the module header). EINVAL for bad
 * options; the firmware status's errno (EINVAL with syndrome UID_LACKS_CAP
 * when the context lacks TOOLS_RESOURCES, i.e. was opened without
 * sys_admin); EIO for a broken reply sequence; ENODEV when the context
 * closes meanwhile.
 */
export function coredump(ch: CtlChannel, opts: CoredumpOptions): Promise<CoredumpResult> {
  try {
    if (opts?.mode !== 'umem' && opts?.mode !== 'inline') {
      throw new AuxError('EINVAL', "coredump mode must be 'umem' or 'inline'");
    }
    checkRange('pieceBytes', opts.pieceBytes, CRDUMP_PAIR_BYTES, INLINE_PIECE_MAX);
    checkRange('windowBytes', opts.windowBytes, 1, CRDUMP_MAX_BYTES);
  } catch (err) {
    return Promise.reject(err);
  }
  return opts.mode === 'umem' ? coredumpUmem(ch, opts) : coredumpInline(ch, opts);
}
