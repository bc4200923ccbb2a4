/**
 * Layout: PRM structures declared once, read and written by field name.
 *
 * The mlx5 Programmer's Reference Manual describes every command, register
 * and context as a big-endian bit string; Linux mirrors each one as a
 * `mlx5_ifc_*_bits` struct whose members are bit widths, and reads it with
 * `MLX5_GET/MLX5_SET`. This module is the same idea as data: a structure is
 * an ordered list of named widths, offsets are computed once at definition
 * time, and call sites never hand-compute an offset.
 *
 * Rules (checked when a layout is defined, so a wrong declaration fails at
 * import, not at run time):
 * - an integer field is 1..32 bits and never crosses a 32-bit boundary, or
 *   exactly 64 bits on a 32-bit boundary (read as bigint);
 * - byte strings, nested structures and struct arrays start on a byte;
 * - a layout is a whole number of 32-bit words;
 * - a field named `reserved_at_<hex>` must sit at that bit offset, which
 *   cross-checks a declaration against `mlx5_ifc.h` naming; reserved fields
 *   are skipped by `decode` and reported by `reservedNonZero`.
 *
 * USAGE
 *   const CmdHdrIn = defineLayout('cmd_hdr_in', {
 *     opcode: 16, uid: 16, reserved_at_20: 16, op_mod: 16, reserved_at_40: 64,
 *   });
 *   const buf = CmdHdrIn.alloc();
 *   CmdHdrIn.set(buf, 'opcode', 0x100);
 *   CmdHdrIn.get(buf, 'opcode'); // 0x100
 */

/**
 * LayoutLike: what a field needs of a nested layout. Declared structurally
 * because `Layout<F>` is invariant in `F` (its accessors take `keyof F`), so
 * a `Layout<{ a: 8 }>` is not a `Layout<Fields>`.
 */
export interface LayoutLike {
  readonly name: string;
  readonly bits: number;
  readonly bytes: number;
  decode(buf: Buffer, base?: number): object;
  write(buf: Buffer, values: never, base?: number): void;
  reservedNonZero(buf: Buffer, base?: number): string | undefined;
}

/** FieldSpec: the declaration of one field. */
export type FieldSpec =
  | number
  | { readonly bytes: number }
  | { readonly struct: LayoutLike }
  | { readonly array: number | LayoutLike; readonly count: number };

/** Fields: an ordered record of field declarations. */
export type Fields = Readonly<Record<string, FieldSpec>>;

/** ValueOf: the value type a field reads and writes. */
export type ValueOf<S> = S extends 64
  ? bigint
  : S extends number
    ? number
    : S extends { bytes: number }
      ? Buffer
      : S extends { struct: { decode(buf: Buffer, base?: number): infer D } }
        ? D
        : S extends { array: { decode(buf: Buffer, base?: number): infer D } }
          ? D[]
          : S extends { array: number }
            ? number[]
            : never;

/** IntFieldName: the names of the integer (number-valued) fields of a layout. */
export type IntFieldName<F extends Fields> = {
  [K in keyof F & string]: F[K] extends number ? (F[K] extends 64 ? never : K) : never;
}[keyof F & string];

/** BigFieldName: the names of the 64-bit fields of a layout. */
export type BigFieldName<F extends Fields> = {
  [K in keyof F & string]: F[K] extends 64 ? K : never;
}[keyof F & string];

/** Decoded: a layout's fields as a plain object, reserved fields left out. */
export type Decoded<F extends Fields> = {
  -readonly [K in keyof F as K extends `reserved${string}` ? never : K]: ValueOf<F[K]>;
};

/** FieldInfo: where a field lives and what it is. */
export interface FieldInfo {
  readonly name: string;
  /** Bit offset from the start of the structure. */
  readonly bitOffset: number;
  /** Width in bits (for arrays: the whole array). */
  readonly bits: number;
  readonly kind: 'uint' | 'u64' | 'bytes' | 'struct' | 'uintArray' | 'structArray';
  readonly reserved: boolean;
  /** Element width in bits for uint arrays; the element layout for struct fields/arrays. */
  readonly elementBits?: number;
  readonly layout?: LayoutLike;
  readonly count?: number;
}

const RESERVED_RE = /^reserved_at_([0-9a-f]+)$/;

/** Layout: a declared structure with typed accessors. */
export class Layout<F extends Fields> implements LayoutLike {
  readonly name: string;
  /** Size in bits and in bytes. */
  readonly bits: number;
  readonly bytes: number;
  readonly fields: readonly FieldInfo[];
  private readonly byName: Map<string, FieldInfo>;

  constructor(name: string, spec: F) {
    this.name = name;
    const infos: FieldInfo[] = [];
    let at = 0;
    for (const [field, s] of Object.entries(spec)) {
      const info = describe(name, field, at, s);
      const m = RESERVED_RE.exec(field);
      if (m && Number.parseInt(m[1]!, 16) !== at) {
        throw new Error(`${name}.${field}: declared at 0x${m[1]} but lies at 0x${at.toString(16)}`);
      }
      infos.push(info);
      at += info.bits;
    }
    if (at % 32 !== 0) throw new Error(`${name}: ${at} bits is not a whole number of dwords`);
    this.bits = at;
    this.bytes = at / 8;
    this.fields = infos;
    this.byName = new Map(infos.map((i) => [i.name, i]));
  }

  /** alloc: a zeroed buffer of this layout's size. */
  alloc(): Buffer {
    return Buffer.alloc(this.bytes);
  }

  /** info: the placement of `field`; throws for an unknown name. */
  info(field: keyof F & string): FieldInfo {
    const i = this.byName.get(field);
    if (!i) throw new Error(`${this.name} has no field ${field}`);
    return i;
  }

  /** byteOffset: the byte offset of a byte-aligned field. */
  byteOffset(field: keyof F & string): number {
    return this.info(field).bitOffset / 8;
  }

  /** get: read an integer field (`base` is the byte offset of the structure in `buf`). */
  get(buf: Buffer, field: IntFieldName<F>, base = 0): number {
    const i = this.info(field);
    if (i.kind !== 'uint') throw new Error(`${this.name}.${field} is not an integer field`);
    return readUint(buf, base, i.bitOffset, i.bits);
  }

  /** set: write an integer field; a value that does not fit throws RangeError. */
  set(buf: Buffer, field: IntFieldName<F>, value: number, base = 0): void {
    const i = this.info(field);
    if (i.kind !== 'uint') throw new Error(`${this.name}.${field} is not an integer field`);
    writeUint(buf, base, i.bitOffset, i.bits, value, `${this.name}.${field}`);
  }

  /** get64: read a 64-bit field. */
  get64(buf: Buffer, field: BigFieldName<F>, base = 0): bigint {
    const i = this.info(field);
    return buf.readBigUInt64BE(base + i.bitOffset / 8);
  }

  /** set64: write a 64-bit field. */
  set64(buf: Buffer, field: BigFieldName<F>, value: bigint, base = 0): void {
    const i = this.info(field);
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) {
      throw new RangeError(`${this.name}.${field}: ${value} does not fit in 64 bits`);
    }
    buf.writeBigUInt64BE(value, base + i.bitOffset / 8);
  }

  /** view: the bytes of a byte-aligned field (bytes, struct or array) sharing memory with `buf`. */
  view(buf: Buffer, field: keyof F & string, base = 0): Buffer {
    const i = this.info(field);
    const start = base + i.bitOffset / 8;
    return buf.subarray(start, start + i.bits / 8);
  }

  /** getAt / setAt: element `index` of an integer array field. */
  getAt(buf: Buffer, field: keyof F & string, index: number, base = 0): number {
    const i = this.arrayInfo(field, index, 'uintArray');
    return readUint(buf, base, i.bitOffset + index * i.elementBits!, i.elementBits!);
  }

  setAt(buf: Buffer, field: keyof F & string, index: number, value: number, base = 0): void {
    const i = this.arrayInfo(field, index, 'uintArray');
    const at = i.bitOffset + index * i.elementBits!;
    writeUint(buf, base, at, i.elementBits!, value, `${this.name}.${field}[${index}]`);
  }

  /** elementOffset: byte offset of element `index` of a struct array field. */
  elementOffset(field: keyof F & string, index: number, base = 0): number {
    const i = this.arrayInfo(field, index, 'structArray');
    return base + (i.bitOffset + index * i.layout!.bits) / 8;
  }

  /** decode: every named (non-reserved) field as a plain object. */
  decode(buf: Buffer, base = 0): Decoded<F> {
    const out: Record<string, unknown> = {};
    for (const i of this.fields) {
      if (i.reserved) continue;
      out[i.name] = decodeField(buf, base, i);
    }
    return out as Decoded<F>;
  }

  /** encode: a new buffer with the given fields set and everything else zero. */
  encode(values: Partial<Decoded<F>>): Buffer {
    const buf = this.alloc();
    this.write(buf, values);
    return buf;
  }

  /** write: set the given fields in place. */
  write(buf: Buffer, values: Partial<Decoded<F>>, base = 0): void {
    for (const [name, v] of Object.entries(values)) {
      if (v === undefined) continue;
      const i = this.info(name as keyof F & string);
      encodeField(buf, base, i, v, `${this.name}.${name}`);
    }
  }

  /**
   * reservedNonZero: the dotted name of the first reserved field (searching
   * nested structures too) that has a bit set, or undefined when all are zero.
   */
  reservedNonZero(buf: Buffer, base = 0): string | undefined {
    for (const i of this.fields) {
      const start = base + Math.floor(i.bitOffset / 8);
      if (i.reserved) {
        if (i.kind === 'uint') {
          if (readUint(buf, base, i.bitOffset, i.bits) !== 0) return i.name;
        } else if (buf.subarray(start, start + i.bits / 8).some((b) => b !== 0)) {
          return i.name;
        }
      } else if (i.kind === 'struct') {
        const inner = i.layout!.reservedNonZero(buf, start);
        if (inner) return `${i.name}.${inner}`;
      } else if (i.kind === 'structArray') {
        for (let k = 0; k < i.count!; k++) {
          const inner = i.layout!.reservedNonZero(buf, start + (k * i.layout!.bits) / 8);
          if (inner) return `${i.name}[${k}].${inner}`;
        }
      }
    }
    return undefined;
  }

  private arrayInfo(field: string, index: number, kind: FieldInfo['kind']): FieldInfo {
    const i = this.info(field as keyof F & string);
    if (i.kind !== kind) throw new Error(`${this.name}.${field} is not a ${kind}`);
    if (!Number.isInteger(index) || index < 0 || index >= i.count!) {
      throw new RangeError(`${this.name}.${field}[${index}]: index out of 0..${i.count! - 1}`);
    }
    return i;
  }
}

/** defineLayout: declare a structure; see the module header for the rules. */
export function defineLayout<const F extends Fields>(name: string, spec: F): Layout<F> {
  return new Layout(name, spec);
}

function describe(layout: string, name: string, at: number, s: FieldSpec): FieldInfo {
  const where = `${layout}.${name}`;
  const reserved = name.startsWith('reserved');
  const aligned = () => {
    if (at % 8 !== 0) throw new Error(`${where}: must start on a byte (bit 0x${at.toString(16)})`);
  };
  if (typeof s === 'number') {
    if (s === 64) {
      if (at % 32 !== 0) throw new Error(`${where}: a 64-bit field must start on a dword`);
      return { name, bitOffset: at, bits: 64, kind: reserved ? 'bytes' : 'u64', reserved };
    }
    if (!Number.isInteger(s) || s < 1) throw new Error(`${where}: bad width ${s}`);
    if (s > 32) {
      // Wide reserved gaps are common in the PRM; treat them as opaque bytes.
      if (!reserved) throw new Error(`${where}: integer fields are 1..32 or 64 bits`);
      if (at % 8 !== 0 || s % 8 !== 0)
        throw new Error(`${where}: wide reserved gap not byte-sized`);
      return { name, bitOffset: at, bits: s, kind: 'bytes', reserved };
    }
    if ((at % 32) + s > 32)
      throw new Error(`${where}: ${s} bits at 0x${at.toString(16)} cross a dword`);
    return { name, bitOffset: at, bits: s, kind: 'uint', reserved };
  }
  aligned();
  if ('bytes' in s) {
    if (!Number.isInteger(s.bytes) || s.bytes < 1) throw new Error(`${where}: bad byte count`);
    return { name, bitOffset: at, bits: s.bytes * 8, kind: 'bytes', reserved };
  }
  if ('struct' in s) {
    return { name, bitOffset: at, bits: s.struct.bits, kind: 'struct', reserved, layout: s.struct };
  }
  if (!Number.isInteger(s.count) || s.count < 1) throw new Error(`${where}: bad count`);
  if (typeof s.array === 'number') {
    const w = s.array;
    if (![8, 16, 32].includes(w)) throw new Error(`${where}: array elements are 8, 16 or 32 bits`);
    return {
      name,
      bitOffset: at,
      bits: w * s.count,
      kind: 'uintArray',
      reserved,
      elementBits: w,
      count: s.count,
    };
  }
  return {
    name,
    bitOffset: at,
    bits: s.array.bits * s.count,
    kind: 'structArray',
    reserved,
    layout: s.array,
    count: s.count,
  };
}

function readUint(buf: Buffer, base: number, bitOffset: number, bits: number): number {
  const dw = buf.readUInt32BE(base + (bitOffset >>> 5) * 4);
  if (bits === 32) return dw;
  const shift = 32 - (bitOffset & 31) - bits;
  return (dw >>> shift) & ((1 << bits) - 1);
}

function writeUint(
  buf: Buffer,
  base: number,
  bitOffset: number,
  bits: number,
  value: number,
  where: string,
): void {
  const max = bits === 32 ? 0xffff_ffff : (1 << bits) - 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${where}: ${value} does not fit in ${bits} bits`);
  }
  const off = base + (bitOffset >>> 5) * 4;
  if (bits === 32) {
    buf.writeUInt32BE(value, off);
    return;
  }
  const shift = 32 - (bitOffset & 31) - bits;
  const mask = (max << shift) >>> 0;
  const dw = buf.readUInt32BE(off);
  buf.writeUInt32BE(((dw & ~mask) | (value << shift)) >>> 0, off);
}

function decodeField(buf: Buffer, base: number, i: FieldInfo): unknown {
  const start = base + i.bitOffset / 8;
  switch (i.kind) {
    case 'uint':
      return readUint(buf, base, i.bitOffset, i.bits);
    case 'u64':
      return buf.readBigUInt64BE(start);
    case 'bytes':
      return Buffer.from(buf.subarray(start, start + i.bits / 8));
    case 'struct':
      return i.layout!.decode(buf, start);
    case 'uintArray':
      return Array.from({ length: i.count! }, (_, k) =>
        readUint(buf, base, i.bitOffset + k * i.elementBits!, i.elementBits!),
      );
    case 'structArray':
      return Array.from({ length: i.count! }, (_, k) =>
        i.layout!.decode(buf, start + (k * i.layout!.bits) / 8),
      );
  }
}

function encodeField(buf: Buffer, base: number, i: FieldInfo, v: unknown, where: string): void {
  const start = base + i.bitOffset / 8;
  switch (i.kind) {
    case 'uint':
      writeUint(buf, base, i.bitOffset, i.bits, v as number, where);
      return;
    case 'u64':
      buf.writeBigUInt64BE(BigInt(v as bigint), start);
      return;
    case 'bytes': {
      const b = v as Buffer;
      if (b.length > i.bits / 8) throw new RangeError(`${where}: ${b.length} bytes do not fit`);
      buf.fill(0, start, start + i.bits / 8);
      b.copy(buf, start);
      return;
    }
    case 'struct':
      i.layout!.write(buf, v as never, start);
      return;
    case 'uintArray': {
      const a = v as number[];
      if (a.length > i.count!) throw new RangeError(`${where}: ${a.length} elements do not fit`);
      a.forEach((x, k) => {
        writeUint(buf, base, i.bitOffset + k * i.elementBits!, i.elementBits!, x, where);
      });
      return;
    }
    case 'structArray': {
      const a = v as object[];
      if (a.length > i.count!) throw new RangeError(`${where}: ${a.length} elements do not fit`);
      a.forEach((x, k) => {
        i.layout!.write(buf, x as never, start + (k * i.layout!.bits) / 8);
      });
      return;
    }
  }
}
