/**
 * StateImage: the byte format of a VHCA state image (SAVE_VHCA_STATE
 * writes it, LOAD_VHCA_STATE reads it). Big-endian throughout:
 *
 *   header (64 bytes)
 *     0  magic "MLX5VHCA"           8 bytes
 *     8  version                   u16 (IMAGE_VERSION)
 *    10  flags                     u16 (bit 0: incremental)
 *    12  header bytes              u32 (64)
 *    16  image bytes               u32 (header + sections + digest)
 *    20  section count             u32
 *    24  sequence number           u32 (1, 2, ... per save stream)
 *    28  base sequence             u32 (incremental: the image it follows; full: 0)
 *    32  stream id                 8 bytes (chosen when the save stream starts)
 *    40  capability fingerprint    16 bytes (see function-state.ts)
 *    56  reserved                  8 bytes, zero
 *   sections, each: type u16, reserved u16 (zero), length u32, payload
 *     (a value-codec.ts value)
 *   SHA-256 of everything before it (32 bytes)
 *
 * `decodeImage` validates everything it can without the destination
 * (magic, version, lengths, reserved bits, the digest, each section's
 * type, order and payload encoding) and throws ImageFormatError with the
 * first rule broken; what the sections mean is checked by
 * function-state.ts.
 *
 * Owns: the framing. Never: the sections' meaning.
 */
import { createHash } from 'node:crypto';
import { decodeValue, encodeValue, ImageFormatError, type Value } from './value-codec.js';

/** IMAGE_MAGIC / IMAGE_VERSION / IMAGE_HEADER_BYTES / IMAGE_DIGEST_BYTES: see the module header. */
export const IMAGE_MAGIC = Buffer.from('MLX5VHCA', 'latin1');
export const IMAGE_VERSION = 1;
export const IMAGE_HEADER_BYTES = 64;
export const IMAGE_DIGEST_BYTES = 32;
const SECTION_HDR = 8;
const FLAG_INCREMENTAL = 1;

/** SectionType: what a section holds, in the order an image carries them. */
export const SectionType = {
  FUNCTION: 1,
  VPORT: 2,
  DATAPATH: 3,
  OBJECTS: 4,
  REMOVED: 5,
} as const;
const KNOWN = new Set<number>(Object.values(SectionType));

/** ImageHeader: the header fields a reader acts on. */
export interface ImageHeader {
  readonly incremental: boolean;
  readonly seq: number;
  readonly base: number;
  readonly stream: Buffer;
  readonly fingerprint: Buffer;
}

/** StateImage: a decoded image. */
export interface StateImage extends ImageHeader {
  readonly sections: ReadonlyMap<number, Value>;
}

/** encodeImage: the bytes of an image (sections in SectionType order). */
export function encodeImage(h: ImageHeader, sections: ReadonlyMap<number, Value>): Buffer {
  const parts: Buffer[] = [];
  const types = [...sections.keys()].sort((a, b) => a - b);
  for (const t of types) {
    const payload = encodeValue(sections.get(t));
    const sh = Buffer.alloc(SECTION_HDR);
    sh.writeUInt16BE(t, 0);
    sh.writeUInt32BE(payload.length, 4);
    parts.push(sh, payload);
  }
  const body = Buffer.concat(parts);
  const total = IMAGE_HEADER_BYTES + body.length + IMAGE_DIGEST_BYTES;
  const hdr = Buffer.alloc(IMAGE_HEADER_BYTES);
  IMAGE_MAGIC.copy(hdr, 0);
  hdr.writeUInt16BE(IMAGE_VERSION, 8);
  hdr.writeUInt16BE(h.incremental ? FLAG_INCREMENTAL : 0, 10);
  hdr.writeUInt32BE(IMAGE_HEADER_BYTES, 12);
  hdr.writeUInt32BE(total, 16);
  hdr.writeUInt32BE(types.length, 20);
  hdr.writeUInt32BE(h.seq, 24);
  hdr.writeUInt32BE(h.base, 28);
  h.stream.copy(hdr, 32, 0, 8);
  h.fingerprint.copy(hdr, 40, 0, 16);
  const digest = createHash('sha256').update(hdr).update(body).digest();
  return Buffer.concat([hdr, body, digest]);
}

const bad = (msg: string) => new ImageFormatError(msg);

/** imageBytes: the total length an image's header claims, or undefined when `buf` has no header. */
export function imageBytes(buf: Buffer): number | undefined {
  return buf.length >= IMAGE_HEADER_BYTES ? buf.readUInt32BE(16) : undefined;
}

/** decodeImage: validate and decode `buf` (exactly one image); throws ImageFormatError. */
export function decodeImage(buf: Buffer): StateImage {
  if (buf.length < IMAGE_HEADER_BYTES + IMAGE_DIGEST_BYTES) {
    throw bad(`image of ${buf.length} bytes is shorter than a header and digest`);
  }
  if (!buf.subarray(0, 8).equals(IMAGE_MAGIC)) throw bad('not a VHCA state image (bad magic)');
  const version = buf.readUInt16BE(8);
  if (version !== IMAGE_VERSION)
    throw bad(`image version ${version}; this device reads ${IMAGE_VERSION}`);
  const flags = buf.readUInt16BE(10);
  if ((flags & ~FLAG_INCREMENTAL) !== 0) throw bad(`unknown image flags 0x${flags.toString(16)}`);
  if (buf.readUInt32BE(12) !== IMAGE_HEADER_BYTES) throw bad('bad header length');
  const total = buf.readUInt32BE(16);
  if (total !== buf.length) throw bad(`image claims ${total} bytes but ${buf.length} were given`);
  if (!buf.subarray(56, 64).equals(Buffer.alloc(8))) throw bad('reserved header bytes not zero');
  const end = total - IMAGE_DIGEST_BYTES;
  const digest = createHash('sha256').update(buf.subarray(0, end)).digest();
  if (!digest.equals(buf.subarray(end))) throw bad('image digest does not match: corrupted');
  const count = buf.readUInt32BE(20);
  const sections = new Map<number, Value>();
  let at = IMAGE_HEADER_BYTES;
  let last = 0;
  for (let i = 0; i < count; i++) {
    if (at + SECTION_HDR > end) throw bad(`section ${i} header runs past the image`);
    const type = buf.readUInt16BE(at);
    const len = buf.readUInt32BE(at + 4);
    if (buf.readUInt16BE(at + 2) !== 0) throw bad(`section ${i}: reserved bits not zero`);
    if (!KNOWN.has(type)) throw bad(`section ${i}: unknown type ${type}`);
    if (type <= last) throw bad(`section ${i}: type ${type} out of order or repeated`);
    if (at + SECTION_HDR + len > end) throw bad(`section ${i} runs past the image`);
    sections.set(type, decodeValue(buf.subarray(at + SECTION_HDR, at + SECTION_HDR + len)));
    last = type;
    at += SECTION_HDR + len;
  }
  if (at !== end) throw bad(`${end - at} byte(s) between the last section and the digest`);
  return {
    incremental: (flags & FLAG_INCREMENTAL) !== 0,
    seq: buf.readUInt32BE(24),
    base: buf.readUInt32BE(28),
    stream: Buffer.from(buf.subarray(32, 40)),
    fingerprint: Buffer.from(buf.subarray(40, 56)),
    sections,
  };
}
