/**
 * CrdumpImage: the bytes of one firmware core dump, produced on demand.
 *
 * A real crdump is a snapshot of the device's configuration space taken
 * when firmware crashed. The simulator cannot snapshot anything real, so it
 * makes bytes that behave like one: the same device and the same crash
 * always give the same bytes, a new crash gives different ones, and any
 * window of a dump of up to 64 MiB can be read without the rest existing in
 * memory.
 *
 * Format (see `ifc/registers/core-dump.ts`):
 * - the dump is cut into 4 KiB blocks; block 0 opens with `crdump_header`
 *   (magic "AUXCRDMP", format version, device identity, crash count, total
 *   size, seed, capture timestamp), every other block with `crdump_block_tag`
 *   (magic 'CRBK', block index);
 * - the rest of each block is a xorshift32 stream seeded from the dump seed
 *   and the block index, written as big-endian dwords;
 * - the seed mixes an FNV-1a hash of the identity (BDF, vendor and device
 *   id, firmware version, PSID, serial) with the crash count.
 * Blocks do not depend on the total size, so a larger dump of the same
 * crash starts with the same blocks (except the header's `total_size`).
 *
 * Owns: nothing but its parameters. Never: materialises the whole dump.
 */
import {
  CRDUMP_BLOCK_BYTES,
  CRDUMP_BLOCK_MAGIC,
  CRDUMP_FORMAT_VERSION,
  CRDUMP_MAGIC,
  CrdumpBlockTag,
  CrdumpHeader,
  type DeviceIdentity,
} from '@auxctl/prm';
import { rawFwVersion } from './fw-version.js';

/** CrdumpCapture: what determines a dump's bytes. */
export interface CrdumpCapture {
  readonly identity: DeviceIdentity;
  readonly crashCount: number;
  /** Total bytes, at least the header's size. */
  readonly size: number;
  /** Milliseconds of the firmware clock at capture. */
  readonly timestamp: number;
}

/** CrdumpImage: a readable, never materialised core dump. */
export class CrdumpImage {
  readonly size: number;
  readonly seed: number;
  private readonly header: Buffer;
  private readonly scratch = Buffer.alloc(CRDUMP_BLOCK_BYTES);

  constructor(readonly capture: CrdumpCapture) {
    if (!Number.isInteger(capture.size) || capture.size < CrdumpHeader.bytes) {
      throw new RangeError(`crdump size ${capture.size} is smaller than its header`);
    }
    this.size = capture.size;
    this.seed = crdumpSeed(capture.identity, capture.crashCount);
    this.header = encodeHeader(capture, this.seed);
  }

  /** read: fill `dest` with the dump bytes from `offset`; RangeError outside the dump. */
  read(offset: number, dest: Buffer): void {
    if (!Number.isInteger(offset) || offset < 0 || offset + dest.length > this.size) {
      throw new RangeError(`crdump read ${offset}+${dest.length} outside 0..${this.size}`);
    }
    let done = 0;
    while (done < dest.length) {
      const pos = offset + done;
      const block = Math.floor(pos / CRDUMP_BLOCK_BYTES);
      const inBlock = pos - block * CRDUMP_BLOCK_BYTES;
      const take = Math.min(CRDUMP_BLOCK_BYTES - inBlock, dest.length - done);
      if (take === CRDUMP_BLOCK_BYTES) {
        this.fillBlock(block, dest.subarray(done, done + CRDUMP_BLOCK_BYTES));
      } else {
        this.fillBlock(block, this.scratch);
        this.scratch.copy(dest, done, inBlock, inBlock + take);
      }
      done += take;
    }
  }

  /** fillBlock: write block `block` (all 4 KiB, even past the end of the dump) into `target`. */
  private fillBlock(block: number, target: Buffer): void {
    const view = new DataView(target.buffer, target.byteOffset, CRDUMP_BLOCK_BYTES);
    let x = mix32((this.seed ^ Math.imul(block + 1, 0x9e37_79b9)) >>> 0) || 0x6d2b_79f5;
    const start = block === 0 ? this.header.length : CrdumpBlockTag.bytes;
    for (let at = start; at < CRDUMP_BLOCK_BYTES; at += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      view.setUint32(at, x >>> 0);
    }
    if (block === 0) {
      this.header.copy(target, 0);
    } else {
      CrdumpBlockTag.write(target, { magic: CRDUMP_BLOCK_MAGIC, block_index: block });
    }
  }
}

/** crdumpSeed: the seed of a device's dump for crash number `crashCount`. */
export function crdumpSeed(identity: DeviceIdentity, crashCount: number): number {
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
  return mix32((h + Math.imul((crashCount >>> 0) + 1, 0x27d4_eb2f)) >>> 0);
}

/** mix32: the murmur3 finaliser, spreading every input bit over the output. */
function mix32(v: number): number {
  let h = v >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
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
    block_size: CRDUMP_BLOCK_BYTES,
    seed,
    timestamp: BigInt(Number.isFinite(c.timestamp) ? Math.max(0, Math.floor(c.timestamp)) : 0),
    fw_version_raw: rawFwVersion(id.fwVersion),
    fw_version: ascii(id.fwVersion, 16),
    psid: ascii(id.psid, 16),
    serial: ascii(id.serial, 32),
    bdf: ascii(id.bdf, 16),
  });
}
