/**
 * CORE_DUMP (0x402e): the firmware core dump, through an mkey or inline.
 *
 * Requires TOOLS_RESOURCES for uid != 0. Read and write accesses behave the
 * same (the public tools read it; the kernel's tracer trigger writes it).
 * Register layout: `ifc/registers/core-dump.ts`.
 *
 * CAPTURE
 * A capture is one consistent image of the dump (`CrdumpImage`): the
 * device identity, `crashCount()` and `crdumpSize()` at the moment a call
 * with `cookie` = 0 starts it, and a timestamp: the firmware clock at that
 * crash (`crashTime()`, so the same crash always gives the same bytes,
 * whenever, by whomever and through whichever path it is read). Captures are per uid:
 * each context has at most one, and starting a new one replaces its old
 * one; two contexts dump concurrently without interfering. A capture stays
 * readable after a newer crash (its bytes do not change under a reader).
 *
 * CONTINUATION (both modes)
 * Every reply carries `dump_size` (total bytes), `dump_offset` (where this
 * call's data starts in the dump), `size` (bytes delivered), `more_dump`
 * and `cookie`. While `more_dump` = 1, `cookie` is non-zero: pass it back
 * unchanged to get the next bytes. When the dump is complete `cookie` = 0.
 * Any cookie this capture returned may be replayed to read that part again
 * (a retry after a lost reply). A cookie from another capture, another uid,
 * or one never issued fails with REG_BAD_CONTINUATION; the capture is
 * untouched. The cookie is `generation << 32 | offset`, but callers must
 * treat it as opaque.
 *
 * CR_DUMP_TO_MEM (core_dump_type 2)
 * In: `mkey`, `address` (byte offset into the memory the key describes),
 * `size` (bytes available there, > 0), `cookie`. Firmware writes
 * min(size, remaining) bytes at `address` in ONE command; when the memory
 * is too small it sets `more_dump` and the next call (same mkey and
 * address, the returned cookie) writes the following bytes, again from
 * `address`. A 64 MiB dump fits in one call given a 64 MiB key.
 *
 * CR_DUMP_INLINE (core_dump_type 3, simulator extension)
 * In: `size` (largest piece wanted, 0 = no limit), `cookie`. The piece is
 * returned in the register itself from byte 64 (`inline_data`): its length
 * is min(size, room in the outbox after the 64-byte register head,
 * remaining). The outbox must have room for at least one byte of data
 * (else BAD_OUTP_LEN / REG_SHORT_OUTBOX); ACCESS_REG allows an outbox of up
 * to 16 + 512 * 512 bytes, so pieces of ~256 KiB are possible.
 *
 * GENERAL (core_dump_type 0): drops the caller's capture; no data.
 * QP (1) and other types: REG_BAD_FIELD. `vhca_id` must be 0 (this
 * function) and a TO_MEM `size` of 0 is REG_BAD_FIELD.
 */

import {
  CmdStatus,
  CORE_DUMP_INLINE_OFFSET,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_MAX_BYTES,
  CrdumpHeader,
  RegisterId,
  Syndrome,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';
import { CrdumpImage } from './crdump-image.js';
import { writeToMkey } from './mkey-writer.js';
import { badField, type RegisterHandler, type RegisterRequest } from './register-handler.js';

interface Capture {
  readonly generation: number;
  readonly image: CrdumpImage;
  /** The largest offset a cookie of this capture has named. */
  issued: number;
}

/** CoreDumpRegister: the CORE_DUMP handler and its per-uid captures. */
export class CoreDumpRegister implements RegisterHandler {
  readonly id = RegisterId.CORE_DUMP;
  readonly name = 'CORE_DUMP';
  readonly read = true;
  readonly write = true;
  readonly inBytes = CoreDumpReg.bytes;
  readonly outBytes = CoreDumpReg.bytes;
  private readonly captures = new Map<number, Capture>();
  /** The last capture's generation (the high half of its cookies). */
  private generation = 0;

  constructor(
    private readonly host: RegisterHost,
    readonly cap: number,
  ) {}

  handle(req: RegisterRequest): void {
    const inn = CoreDumpReg.decode(req.data);
    if (inn.vhca_id !== 0) throw badField(`vhca_id ${inn.vhca_id}: only this function (0)`);
    const type = inn.core_dump_type;
    if (type === CoreDumpType.GENERAL) {
      this.captures.delete(req.uid);
      CoreDumpReg.write(req.out, { core_dump_type: type, qpn: inn.qpn });
      return;
    }
    if (type !== CoreDumpType.CR_DUMP_TO_MEM && type !== CoreDumpType.CR_DUMP_INLINE) {
      throw badField(`core_dump_type ${type} is not supported`);
    }
    const toMem = type === CoreDumpType.CR_DUMP_TO_MEM;
    if (toMem && inn.size === 0) throw badField('CR_DUMP_TO_MEM needs size > 0');
    const room = req.out.length - CORE_DUMP_INLINE_OFFSET;
    if (!toMem && room <= 0) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.REG_SHORT_OUTBOX,
        'inline core dump needs outbox room past the 64-byte register',
      );
    }

    const { capture, offset } = inn.cookie === 0n ? this.start() : this.resume(req.uid, inn.cookie);
    const image = capture.image;
    const limit = toMem ? inn.size : inn.size === 0 ? room : Math.min(inn.size, room);
    const n = Math.min(limit, image.size - offset);
    if (toMem) {
      writeToMkey(this.host, req.uid, inn.mkey, inn.address, n, (pos, chunk) =>
        image.read(offset + pos, chunk),
      );
    } else {
      image.read(offset, req.out.subarray(CORE_DUMP_INLINE_OFFSET, CORE_DUMP_INLINE_OFFSET + n));
    }

    // Commit only now: a failed write above leaves the capture as it was.
    const next = offset + n;
    const more = next < image.size;
    if (inn.cookie === 0n) this.commitStart(req.uid, capture);
    if (more) capture.issued = Math.max(capture.issued, next);
    CoreDumpReg.write(req.out, {
      more_dump: more ? 1 : 0,
      core_dump_type: type,
      qpn: inn.qpn,
      size: n,
      dump_size: image.size,
      address: inn.address,
      mkey: inn.mkey,
      dump_offset: offset,
      cookie: more ? (BigInt(capture.generation) << 32n) | BigInt(next) : 0n,
    });
  }

  reset(): void {
    this.captures.clear();
  }

  /** start: a new capture (not yet recorded: see commitStart). */
  private start(): { capture: Capture; offset: number } {
    const size = this.host.crdumpSize();
    if (!Number.isInteger(size) || size < CrdumpHeader.bytes || size > CRDUMP_MAX_BYTES) {
      throw new FwError(
        CmdStatus.INT_ERR,
        Syndrome.INTERNAL,
        `crdump size ${size} outside ${CrdumpHeader.bytes}..${CRDUMP_MAX_BYTES}`,
      );
    }
    const crashCount = this.host.crashCount();
    const timestamp = this.host.crashTime();
    const image = new CrdumpImage({ identity: this.host.identity, crashCount, size, timestamp });
    const generation = (this.generation % 0xffff_ffff) + 1;
    return { capture: { generation, image, issued: 0 }, offset: 0 };
  }

  private commitStart(uid: number, capture: Capture): void {
    this.generation = capture.generation;
    // Contexts that no longer exist cannot continue; drop their captures.
    for (const u of this.captures.keys()) {
      if (u !== 0 && this.host.uidCaps(u) === undefined) this.captures.delete(u);
    }
    this.captures.set(uid, capture);
  }

  private resume(uid: number, cookie: bigint): { capture: Capture; offset: number } {
    const capture = this.captures.get(uid);
    const generation = Number(cookie >> 32n);
    const offset = Number(cookie & 0xffff_ffffn);
    if (!capture || capture.generation !== generation || offset === 0 || offset > capture.issued) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.REG_BAD_CONTINUATION,
        `cookie 0x${cookie.toString(16)} does not continue this context's capture; start again with cookie 0`,
      );
    }
    return { capture, offset };
  }
}
