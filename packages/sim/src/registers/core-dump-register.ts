/**
 * CORE_DUMP (0x402e): the firmware core dump, through an mkey or inline.
 *
 * Requires TOOLS_RESOURCES for uid != 0. Read and write accesses behave the
 * same (the public tools read it; the kernel's tracer trigger writes it).
 * Register layout and dump format: prm's `ifc/registers/core-dump.ts`.
 *
 * CAPTURE
 * A capture is one consistent image of the dump (`CrdumpImage`: big-endian
 * (address, value) pairs in ascending address order): the device identity,
 * `crashCount()` and `crdumpSize()` at the moment a call with `cookie` = 0
 * starts it, and a timestamp: the firmware clock at that crash
 * (`crashTime()`, so the same crash always gives the same bytes, whenever,
 * by whomever and through whichever path it is read). Captures are per
 * uid: each context has at most one, and starting a new one replaces its
 * old one; two contexts dump concurrently without interfering. A capture
 * stays readable after a newer crash (its bytes do not change under a
 * reader).
 *
 * CONTINUATION (both modes; the cookie rule is inferred from the public
 * sample, `refs/fwctl-linux.md` §7.2)
 * Each call delivers whole pairs (the last piece of a dump whose size is
 * not a multiple of 8 ends in a cut pair). Every reply carries `cookie` =
 * the address after the last pair delivered (its address + 4), `more_dump`
 * (1 while pairs remain), and, as simulator extensions, `dump_size` (total
 * bytes) and `dump_offset` (where this call's bytes start in the dump).
 * The final reply has `more_dump` 0 and still the cookie rule's address,
 * as the sample (`cookie 0x500c04`, `More Dump 0`). Passing a cookie back
 * continues this uid's capture at the first pair whose address is >= the
 * cookie, so any cookie this capture returned may be replayed (a retry
 * after a lost reply). A non-zero cookie with no capture, or past the
 * largest cookie this capture returned, fails with REG_BAD_CONTINUATION
 * and the capture is untouched. Cookies are addresses, the same for every
 * capture of a device: a cookie kept from a replaced capture continues the
 * new one at that address, as on hardware.
 *
 * CR_DUMP_TO_MEM (core_dump_type 2)
 * In: `mkey`, `address` (byte offset into the memory the key describes),
 * `size` (bytes available there, at least one 8-byte pair), `cookie`.
 * Firmware writes as many whole pairs as fit (or the rest of the dump) at
 * `address` in ONE command; when the memory is too small it sets
 * `more_dump` and the next call (same mkey and address, the returned
 * cookie) writes the following pairs, again from `address`. A 64 MiB dump
 * fits in one call given a 64 MiB key.
 *
 * CR_DUMP_INLINE (core_dump_type 3, simulator extension)
 * In: `size` (largest piece wanted, 0 = no limit, else at least 8),
 * `cookie`. The piece is returned in the register itself from byte 64
 * (`inline_data`): as many whole pairs as fit in min(size, room in the
 * outbox after the 64-byte register head), or the rest of the dump. The
 * outbox must have room for one pair (else BAD_OUTP_LEN /
 * REG_SHORT_OUTBOX); ACCESS_REG allows an outbox of up to 16 + 512 * 512
 * bytes, so pieces of ~256 KiB are possible.
 *
 * GENERAL (core_dump_type 0): drops the caller's capture; no data.
 * QP (1) and other types: REG_BAD_FIELD. `vhca_id` must be 0 (this
 * function); a TO_MEM `size` below 8 or an inline `size` of 1..7 is
 * REG_BAD_FIELD.
 */

import {
  CmdStatus,
  CORE_DUMP_INLINE_OFFSET,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_MAX_BYTES,
  CRDUMP_PAIR_BYTES,
  RegisterId,
  Syndrome,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';
import { CRDUMP_MIN_BYTES, CrdumpImage } from './crdump-image.js';
import { writeToMkey } from './mkey-writer.js';
import { badField, type RegisterHandler, type RegisterRequest } from './register-handler.js';

interface Capture {
  readonly image: CrdumpImage;
  /** The largest cookie (an address) this capture has returned. */
  issued: number;
}

/** wholePairs: `bytes` rounded down to whole pairs. */
const wholePairs = (bytes: number) => bytes - (bytes % CRDUMP_PAIR_BYTES);

/** CoreDumpRegister: the CORE_DUMP handler and its per-uid captures. */
export class CoreDumpRegister implements RegisterHandler {
  readonly id = RegisterId.CORE_DUMP;
  readonly name = 'CORE_DUMP';
  readonly read = true;
  readonly write = true;
  readonly inBytes = CoreDumpReg.bytes;
  readonly outBytes = CoreDumpReg.bytes;
  private readonly captures = new Map<number, Capture>();

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
    if (toMem && inn.size < CRDUMP_PAIR_BYTES) {
      throw badField(`CR_DUMP_TO_MEM needs size >= ${CRDUMP_PAIR_BYTES} (one pair)`);
    }
    if (!toMem && inn.size > 0 && inn.size < CRDUMP_PAIR_BYTES) {
      throw badField(`inline size ${inn.size}: 0 (no limit) or >= ${CRDUMP_PAIR_BYTES}`);
    }
    const room = req.out.length - CORE_DUMP_INLINE_OFFSET;
    if (!toMem && room < CRDUMP_PAIR_BYTES) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.REG_SHORT_OUTBOX,
        'inline core dump needs room for one 8-byte pair past the 64-byte register',
      );
    }

    const cookie = inn.cookie;
    const capture = cookie === 0n ? this.start() : this.resume(req.uid, cookie);
    const image = capture.image;
    const offset =
      cookie === 0n
        ? 0
        : Math.min(image.size, image.pairAtOrAfter(Number(cookie)) * CRDUMP_PAIR_BYTES);
    const limit = wholePairs(toMem ? inn.size : inn.size === 0 ? room : Math.min(inn.size, room));
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
    const out = next > 0 ? image.cookieAfter(next) : 0;
    if (cookie === 0n) this.commitStart(req.uid, capture);
    capture.issued = Math.max(capture.issued, out);
    CoreDumpReg.write(req.out, {
      more_dump: more ? 1 : 0,
      core_dump_type: type,
      qpn: inn.qpn,
      size: n,
      dump_size: image.size,
      address: inn.address,
      mkey: inn.mkey,
      dump_offset: offset,
      cookie: BigInt(out),
    });
  }

  reset(): void {
    this.captures.clear();
  }

  /** start: a new capture (not yet recorded: see commitStart). */
  private start(): Capture {
    const size = this.host.crdumpSize();
    if (!Number.isInteger(size) || size < CRDUMP_MIN_BYTES || size > CRDUMP_MAX_BYTES) {
      throw new FwError(
        CmdStatus.INT_ERR,
        Syndrome.INTERNAL,
        `crdump size ${size} outside ${CRDUMP_MIN_BYTES}..${CRDUMP_MAX_BYTES}`,
      );
    }
    const crashCount = this.host.crashCount();
    const timestamp = this.host.crashTime();
    const image = new CrdumpImage({ identity: this.host.identity, crashCount, size, timestamp });
    return { image, issued: 0 };
  }

  private commitStart(uid: number, capture: Capture): void {
    // Contexts that no longer exist cannot continue; drop their captures.
    for (const u of this.captures.keys()) {
      if (u !== 0 && this.host.uidCaps(u) === undefined) this.captures.delete(u);
    }
    this.captures.set(uid, capture);
  }

  private resume(uid: number, cookie: bigint): Capture {
    const capture = this.captures.get(uid);
    if (!capture || cookie > BigInt(capture.issued)) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.REG_BAD_CONTINUATION,
        `cookie 0x${cookie.toString(16)} does not continue this context's capture; start again with cookie 0`,
      );
    }
    return capture;
  }
}
