/**
 * Bare dump framing: CoredumpRequest written and CoredumpResponse frames
 * read by hand, with no protobuf library — what the bare coredump client
 * (bare-dump-client.ts) needs to call auxctld's Coredump RPC with identity
 * serializers.
 *
 * Only the fields that client uses are written (device, chunk size, resume)
 * and only the frame kind, a chunk's offset and data and the trailer's
 * SHA-256 are read; a header's fields are skipped. A chunk's data is a view
 * into the received message, never a copy.
 *
 * Owns nothing but the byte layout. Never: accepts a frame it cannot read
 * whole (it throws, so the client fails instead of writing a wrong file).
 */

/** BareDumpRequest: what the bare client asks auxctld for. */
export interface BareDumpRequest {
  device: string;
  chunkSize: number;
  resume?: { dumpId: string; offset: number };
}

/** BareDumpFrame: one frame as the bare client reads it. */
export type BareDumpFrame =
  | { kind: 'header' }
  | { kind: 'chunk'; offset: number; data: Buffer }
  | { kind: 'trailer'; sha256: Buffer };

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function field(tag: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, ...varint(bytes.length)]), bytes]);
}

/** encodeBareDumpRequest: a CoredumpRequest (fields 1 device, 3 chunk_size, 4 resume). */
export function encodeBareDumpRequest(r: BareDumpRequest): Buffer {
  const parts = [field(0x0a, Buffer.from(r.device, 'utf8'))];
  if (r.chunkSize > 0) parts.push(Buffer.from([0x18, ...varint(r.chunkSize)]));
  if (r.resume) {
    const resume = [field(0x0a, Buffer.from(r.resume.dumpId, 'utf8'))];
    if (r.resume.offset > 0) resume.push(Buffer.from([0x10, ...varint(r.resume.offset)]));
    parts.push(field(0x22, Buffer.concat(resume)));
  }
  return Buffer.concat(parts);
}

/** Reader: a cursor over one message (or a field inside it). */
class Reader {
  constructor(
    readonly buf: Buffer,
    public at: number,
    readonly end: number,
  ) {}

  done(): boolean {
    return this.at >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    while (this.at < this.end) {
      const b = this.buf[this.at++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw new Error('dump frame: a varint runs past the end');
  }

  /** bytes: the next length-delimited field's contents, as a sub-reader. */
  bytes(): Reader {
    const n = this.varint();
    if (this.at + n > this.end) throw new Error('dump frame: a field runs past the end');
    const r = new Reader(this.buf, this.at, this.at + n);
    this.at += n;
    return r;
  }

  view(): Buffer {
    return this.buf.subarray(this.at, this.end);
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.at += 8;
    else if (wireType === 5) this.at += 4;
    else throw new Error(`dump frame: wire type ${wireType}`);
  }
}

/** decodeBareDumpFrame: one CoredumpResponse (header 1, chunk 2, trailer 3); throws on anything else. */
export function decodeBareDumpFrame(buf: Buffer): BareDumpFrame {
  const r = new Reader(buf, 0, buf.length);
  const tag = r.varint();
  const body = r.bytes();
  if (!r.done()) throw new Error('dump frame: more than one field');
  if (tag === 0x0a) return { kind: 'header' };
  if (tag === 0x12) {
    let offset = 0;
    let data: Buffer = Buffer.alloc(0);
    while (!body.done()) {
      const t = body.varint();
      if (t === 0x08) offset = body.varint();
      else if (t === 0x12) data = body.bytes().view();
      else body.skip(t & 7);
    }
    return { kind: 'chunk', offset, data };
  }
  if (tag === 0x1a) {
    let sha256: Buffer = Buffer.alloc(0);
    while (!body.done()) {
      const t = body.varint();
      if (t === 0x0a) sha256 = body.bytes().view();
      else body.skip(t & 7);
    }
    return { kind: 'trailer', sha256 };
  }
  throw new Error(`dump frame: tag ${tag}`);
}
