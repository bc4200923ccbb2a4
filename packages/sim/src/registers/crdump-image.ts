/**
 * CrdumpImage: the bytes of one firmware core dump, produced on demand.
 *
 * A real crdump is a snapshot of the device's configuration space taken
 * when firmware crashed. Written to memory by CORE_DUMP CR_DUMP_TO_MEM it
 * is a run of big-endian (u32 address, u32 value) pairs in ascending
 * address order (inferred from the one public sample: `refs/fwctl-linux.md`
 * §7.2; layout in prm's `core-dump.ts`). The simulator cannot snapshot
 * anything real, so it makes pairs that behave like one: the same device
 * and the same crash always give the same bytes, a new crash gives other
 * values, and any window of a dump of up to 64 MiB can be read without the
 * rest existing in memory.
 *
 * Content:
 * - addresses: the device's layout (`crdump-address-map.ts`), drawn from
 *   its identity only, so every crash of a device dumps the same addresses;
 * - values at 0x0..0xfc: `crdump_header` (magic "AUXCRDMP", format version,
 *   device identity, crash count, total size, seed, capture timestamp);
 * - other values: a hash of the dump seed (identity and crash count) and
 *   the address.
 * A dump of `size` bytes is the first `size` bytes of that pair stream;
 * a size that is not a multiple of 8 cuts the last pair.
 *
 * Owns: nothing but its parameters. Never: materialises the whole dump.
 */
import {
  CRDUMP_FORMAT_VERSION,
  CRDUMP_MAGIC,
  CRDUMP_PAIR_BYTES,
  CRDUMP_WINDOW_BYTES,
  CrdumpHeader,
  type DeviceIdentity,
} from '@auxctl/prm';
import { CrdumpAddressMap, mix32 } from './crdump-address-map.js';
import { rawFwVersion } from './fw-version.js';

/** CrdumpCapture: what determines a dump's bytes. */
export interface CrdumpCapture {
  readonly identity: DeviceIdentity;
  readonly crashCount: number;
  /** Total bytes, at least the 64 header pairs (512 bytes). */
  readonly size: number;
  /** Milliseconds of the firmware clock at capture. */
  readonly timestamp: number;
}

/** CRDUMP_MIN_BYTES: the smallest dump: the pairs that carry the header. */
export const CRDUMP_MIN_BYTES = (CrdumpHeader.bytes / 4) * CRDUMP_PAIR_BYTES;

/** CrdumpImage: a readable, never materialised core dump. */
export class CrdumpImage {
  readonly size: number;
  readonly seed: number;
  /** Pairs the dump touches, the last one possibly cut. */
  readonly pairs: number;
  private readonly map: CrdumpAddressMap;
  private readonly header: Buffer;
  private readonly pair = Buffer.alloc(CRDUMP_PAIR_BYTES);

  constructor(readonly capture: CrdumpCapture) {
    if (!Number.isInteger(capture.size) || capture.size < CRDUMP_MIN_BYTES) {
      throw new RangeError(`crdump size ${capture.size} is smaller than its header pairs`);
    }
    this.size = capture.size;
    this.pairs = Math.ceil(this.size / CRDUMP_PAIR_BYTES);
    this.seed = crdumpSeed(capture.identity, capture.crashCount);
    this.map = new CrdumpAddressMap(identityHash(capture.identity));
    this.header = encodeHeader(capture, this.seed);
  }

  /** read: fill `dest` with the dump bytes from `offset`; RangeError outside the dump. */
  read(offset: number, dest: Buffer): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + dest.length > this.size) {
      throw new RangeError(`crdump read ${offset}+${dest.length} outside 0..${this.size}`);
    }
    const end = offset + dest.length;
    const first = Math.floor(offset / CRDUMP_PAIR_BYTES);
    const view = new DataView(dest.buffer, dest.byteOffset, dest.length);
    this.map.forEach(first, Math.ceil(end / CRDUMP_PAIR_BYTES), (i, address) => {
      const at = i * CRDUMP_PAIR_BYTES;
      const value = this.value(address);
      if (at >= offset && at + CRDUMP_PAIR_BYTES <= end) {
        view.setUint32(at - offset, address);
        view.setUint32(at - offset + 4, value);
      } else {
        this.pair.writeUInt32BE(address, 0);
        this.pair.writeUInt32BE(value, 4);
        const from = Math.max(offset, at);
        this.pair.copy(dest, from - offset, from - at, Math.min(end, at + CRDUMP_PAIR_BYTES) - at);
      }
    });
  }

  /** address: the address of pair `i`. */
  address(i: number): number {
    return this.map.address(i);
  }

  /** pairAtOrAfter: the first pair whose address is >= `address` (`pairs` when none). */
  pairAtOrAfter(address: number): number {
    return this.map.pairAtOrAfter(address, this.pairs);
  }

  /** cookieAfter: the cookie rule for a delivery ending at byte `end`: last pair's address + 4. */
  cookieAfter(end: number): number {
    return this.map.address(Math.ceil(end / CRDUMP_PAIR_BYTES) - 1) + 4;
  }

  private value(address: number): number {
    if (address < CrdumpHeader.bytes) return this.header.readUInt32BE(address);
    return mix32((this.seed ^ Math.imul(address >>> 2, 0x9e37_79b9)) >>> 0);
  }
}

/** identityHash: FNV-1a of the identity (BDF, vendor and device id, firmware version, PSID, serial). */
function identityHash(identity: DeviceIdentity): number {
  const text = [
    identity.bdf,
    identity.vendorId,
    identity.deviceId,
    identity.fwVersion,
    identity.psid,
    identity.serial,
  ].join('\n');
  let h = 0x811c_9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x0100_0193);
  }
  return h >>> 0;
}

/** crdumpSeed: the seed of a device's dump for crash number `crashCount`. */
export function crdumpSeed(identity: DeviceIdentity, crashCount: number): number {
  return mix32((identityHash(identity) + Math.imul((crashCount >>> 0) + 1, 0x27d4_eb2f)) >>> 0);
}

function ascii(text: string, bytes: number): Buffer {
  return Buffer.from(text, 'latin1').subarray(0, bytes);
}

function encodeHeader(c: CrdumpCapture, seed: number): Buffer {
  const id = c.identity;
  return CrdumpHeader.encode({
    magic: CRDUMP_MAGIC,
    format_version: CRDUMP_FORMAT_VERSION,
    header_size: CrdumpHeader.bytes,
    vendor_id: id.vendorId & 0xffff,
    device_id: id.deviceId & 0xffff,
    crash_count: c.crashCount >>> 0,
    total_size: c.size,
    window_bytes: CRDUMP_WINDOW_BYTES,
    seed,
    timestamp: BigInt(Number.isFinite(c.timestamp) ? Math.max(0, Math.floor(c.timestamp)) : 0),
    fw_version_raw: rawFwVersion(id.fwVersion),
    fw_version: ascii(id.fwVersion, 16),
    psid: ascii(id.psid, 16),
    serial: ascii(id.serial, 32),
    bdf: ascii(id.bdf, 16),
  });
}
