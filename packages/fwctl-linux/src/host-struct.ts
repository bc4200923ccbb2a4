/**
 * HostStruct: a C struct of u32 and u64 fields in host byte order, declared
 * once as data (field name -> offset, type) and read and written by name.
 *
 * The fwctl uAPI structs are plain native-endian C structs (not the
 * big-endian PRM layouts of @auxctl/core), so they get their own small
 * helper: every fwctl struct in fwctl-abi.ts is one `new HostStruct(...)`.
 *
 * Owns: the offset/type table of a struct and its range checks. Never:
 * knows what a field means.
 */
import { Buffer } from 'node:buffer';
import { endianness } from 'node:os';
import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';

/** FieldType: the C types the fwctl uAPI uses (`__u32`, `__aligned_u64`). */
export type FieldType = 'u32' | 'u64';

/** StructField: where one field lives. */
export interface StructField {
  readonly offset: number;
  readonly type: FieldType;
}

/** FieldValues: the decoded value of every field: u32 -> number, u64 -> bigint. */
export type FieldValues<S extends Record<string, StructField>> = {
  -readonly [K in keyof S]: S[K]['type'] extends 'u64' ? bigint : number;
};

const LE = endianness() === 'LE';
const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

/** fieldBytes: the width of a field type in bytes. */
export function fieldBytes(type: FieldType): number {
  return type === 'u32' ? 4 : 8;
}

/** HostStruct: one struct layout; `size` is its sizeof. */
export class HostStruct<S extends Record<string, StructField>> {
  /** The fields in declaration order, listed once (decode runs per ioctl). */
  readonly #entries: readonly (readonly [string, StructField])[];

  constructor(
    readonly name: string,
    readonly size: number,
    readonly fields: S,
  ) {
    this.#entries = Object.entries(fields);
    for (const [field, f] of this.#entries) {
      const end = f.offset + fieldBytes(f.type);
      if (f.offset % fieldBytes(f.type) !== 0 || end > size) {
        throw new RangeError(`HostStruct ${name}.${field}: misaligned or beyond ${size} bytes`);
      }
    }
  }

  /**
   * encode: the struct's bytes (`size` of them, unset bytes zero), or
   * written into `into` from offset 0. A value that is not a u32 / u64
   * rejects with EINVAL naming the field.
   */
  encode(values: Readonly<FieldValues<S>>, into: Buffer = Buffer.alloc(this.size)): Buffer {
    this.#fits(into);
    for (const [field] of this.#entries) {
      this.#write(into, field, values[field as keyof S]);
    }
    return into;
  }

  /** decode: every field of the struct at the start of `buf` (at least `size` bytes). */
  decode(buf: Buffer): FieldValues<S> {
    this.#fits(buf);
    const out: Record<string, number | bigint> = {};
    for (const [field, f] of this.#entries) {
      if (f.type === 'u32') {
        out[field] = LE ? buf.readUInt32LE(f.offset) : buf.readUInt32BE(f.offset);
      } else {
        out[field] = LE ? buf.readBigUInt64LE(f.offset) : buf.readBigUInt64BE(f.offset);
      }
    }
    return out as FieldValues<S>;
  }

  /** get: read one field of the struct in `buf` (an OUT field, without decoding the rest). */
  get<K extends keyof S & string>(buf: Buffer, field: K): FieldValues<S>[K] {
    this.#fits(buf);
    const f = this.fields[field]!;
    const v =
      f.type === 'u32'
        ? LE
          ? buf.readUInt32LE(f.offset)
          : buf.readUInt32BE(f.offset)
        : LE
          ? buf.readBigUInt64LE(f.offset)
          : buf.readBigUInt64BE(f.offset);
    return v as FieldValues<S>[K];
  }

  /** set: write one field of the struct in `buf` (as a kernel writes back an OUT field). */
  set<K extends keyof S & string>(buf: Buffer, field: K, value: FieldValues<S>[K]): void {
    this.#fits(buf);
    this.#write(buf, field, value);
  }

  #fits(buf: Buffer): void {
    if (buf.length < this.size) {
      throw new AuxError('EINVAL', `${this.name}: ${buf.length} bytes given, ${this.size} needed`);
    }
  }

  #write(buf: Buffer, field: string, v: unknown): void {
    const f = this.fields[field as keyof S]!;
    if (f.type === 'u32') {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > U32_MAX) {
        throw this.#badValue(field, v, 'a u32');
      }
      if (LE) buf.writeUInt32LE(v, f.offset);
      else buf.writeUInt32BE(v, f.offset);
    } else {
      if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw this.#badValue(field, v, 'a u64');
      if (LE) buf.writeBigUInt64LE(v, f.offset);
      else buf.writeBigUInt64BE(v, f.offset);
    }
  }

  #badValue(field: string, v: unknown, what: string): AuxError {
    return new AuxError('EINVAL', `${this.name}.${field} must be ${what}, got ${printable(v)}`);
  }
}
