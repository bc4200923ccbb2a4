/**
 * ValueCodec: the self-describing binary encoding of a VHCA state image's
 * section payloads: every value carries a one-byte tag, so a reader needs
 * no schema to walk it and rejects anything malformed.
 *
 *   0x00 undefined   0x01 false   0x02 true
 *   0x03 number      8 bytes, IEEE-754 big-endian
 *   0x04 bigint      8 bytes, unsigned 64-bit big-endian (0..2^64-1)
 *   0x05 string      u32 length + UTF-8
 *   0x06 bytes       u32 length + bytes
 *   0x07 array       u32 count + values
 *   0x08 record      u32 count + (string key, value) pairs, keys in the
 *                    order given (the writer sorts them, so equal records
 *                    encode to equal bytes)
 *
 * `decodeValue` throws ImageFormatError for an unknown tag, a length past
 * the end, bytes left over, a bad UTF-8 string or nesting deeper than
 * MAX_DEPTH; never anything else.
 *
 * Owns: the encoding. Never: what the values mean (function-state.ts).
 */

/** Value: what the codec carries. */
export type Value =
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Buffer
  | readonly Value[]
  | { readonly [key: string]: Value };

/** ImageFormatError: a malformed image or payload (the command answers it with a syndrome). */
export class ImageFormatError extends Error {
  override readonly name = 'ImageFormatError';
}

const T = {
  UNDEF: 0,
  FALSE: 1,
  TRUE: 2,
  NUM: 3,
  BIG: 4,
  STR: 5,
  BYTES: 6,
  ARRAY: 7,
  RECORD: 8,
} as const;
const MAX_DEPTH = 16;
const U64_MAX = (1n << 64n) - 1n;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** encodeValue: the bytes of `v`; throws TypeError for a value the codec does not carry. */
export function encodeValue(v: Value): Buffer {
  const parts: Buffer[] = [];
  write(v, parts, 0);
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function write(v: Value, out: Buffer[], depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('value nested too deeply');
  if (v === undefined) out.push(Buffer.of(T.UNDEF));
  else if (typeof v === 'boolean') out.push(Buffer.of(v ? T.TRUE : T.FALSE));
  else if (typeof v === 'number') {
    const b = Buffer.alloc(9);
    b[0] = T.NUM;
    b.writeDoubleBE(v, 1);
    out.push(b);
  } else if (typeof v === 'bigint') {
    if (v < 0n || v > U64_MAX) throw new TypeError(`bigint ${v} is outside 0..2^64-1`);
    const b = Buffer.alloc(9);
    b[0] = T.BIG;
    b.writeBigUInt64BE(v, 1);
    out.push(b);
  } else if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    out.push(Buffer.of(T.STR), u32(s.length), s);
  } else if (Buffer.isBuffer(v)) {
    out.push(Buffer.of(T.BYTES), u32(v.length), v);
  } else if (Array.isArray(v)) {
    out.push(Buffer.of(T.ARRAY), u32(v.length));
    for (const e of v as readonly Value[]) write(e, out, depth + 1);
  } else if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v).sort();
    out.push(Buffer.of(T.RECORD), u32(keys.length));
    for (const k of keys) {
      const s = Buffer.from(k, 'utf8');
      out.push(u32(s.length), s);
      write((v as Record<string, Value>)[k], out, depth + 1);
    }
  } else {
    throw new TypeError(`cannot encode ${typeof v}`);
  }
}

/** decodeValue: the value `buf` holds, all of it; throws ImageFormatError when malformed. */
export function decodeValue(buf: Buffer): Value {
  const r = { at: 0 };
  const v = read(buf, r, 0);
  if (r.at !== buf.length)
    throw new ImageFormatError(`${buf.length - r.at} byte(s) after the value`);
  return v;
}

function need(buf: Buffer, r: { at: number }, n: number): number {
  if (r.at + n > buf.length) throw new ImageFormatError('value runs past the end of its section');
  const at = r.at;
  r.at += n;
  return at;
}

function text(buf: Buffer, r: { at: number }): string {
  const n = buf.readUInt32BE(need(buf, r, 4));
  const at = need(buf, r, n);
  try {
    return utf8.decode(buf.subarray(at, at + n));
  } catch {
    throw new ImageFormatError('string is not UTF-8');
  }
}

function read(buf: Buffer, r: { at: number }, depth: number): Value {
  if (depth > MAX_DEPTH) throw new ImageFormatError('value nested too deeply');
  const tag = buf[need(buf, r, 1)];
  switch (tag) {
    case T.UNDEF:
      return undefined;
    case T.FALSE:
      return false;
    case T.TRUE:
      return true;
    case T.NUM:
      return buf.readDoubleBE(need(buf, r, 8));
    case T.BIG:
      return buf.readBigUInt64BE(need(buf, r, 8));
    case T.STR:
      return text(buf, r);
    case T.BYTES: {
      const n = buf.readUInt32BE(need(buf, r, 4));
      const at = need(buf, r, n);
      return Buffer.from(buf.subarray(at, at + n));
    }
    case T.ARRAY: {
      const n = buf.readUInt32BE(need(buf, r, 4));
      if (n > buf.length - r.at) throw new ImageFormatError('array longer than its section');
      return Array.from({ length: n }, () => read(buf, r, depth + 1));
    }
    case T.RECORD: {
      const n = buf.readUInt32BE(need(buf, r, 4));
      if (n > buf.length - r.at) throw new ImageFormatError('record longer than its section');
      const o: Record<string, Value> = Object.create(null);
      for (let i = 0; i < n; i++) {
        const k = text(buf, r);
        if (k in o) throw new ImageFormatError(`record key ${k} twice`);
        o[k] = read(buf, r, depth + 1);
      }
      return o;
    }
    default:
      throw new ImageFormatError(`unknown value tag 0x${(tag ?? 0).toString(16)}`);
  }
}
