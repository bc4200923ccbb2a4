/**
 * UserMemory: the double's stand-in for a process address space.
 *
 * fwctl structs carry user pointers as u64, and the real kernel follows
 * them into the caller's memory. The double hands out fake addresses
 * instead (`addressOf`, the seam's call) and follows them back
 * (`resolve`): every ArrayBuffer gets its own region of the u64 space, and
 * an address is region base + byte offset, so a Buffer, its subarrays and
 * the Buffers sharing Node's allocation pool resolve as they would in real
 * memory, and a region's end is a hard edge. An address in no region, or a
 * range past a region's end, resolves to nothing: the kernel's EFAULT.
 *
 * The MAPPED most recently given addresses stay mapped (each addressOf
 * maps its region again, as the newest), held strongly, so a buffer is
 * resolvable for as long as any ioctl could still use it; older ones are
 * unmapped and resolve to nothing. Weak references per buffer cost more
 * than the rest of the double's ioctl put together.
 *
 * Owns: the address <-> ArrayBuffer map. Never: copies or keeps data.
 */
import { Buffer } from 'node:buffer';

/** USER_BASE: the first fake address; far above anything a test would write by hand. */
export const USER_BASE = 1n << 44n;
/** REGION_SPAN: the address space given to each ArrayBuffer (more than a Buffer can hold). */
const REGION_SPAN = 1n << 33n;

/** MAPPED: regions kept mapped (far more than the buffers of every ioctl in flight). */
const MAPPED = 1024;

/** UserMemory: see the module header. */
export class UserMemory {
  /** Each ArrayBuffer's region number and the region's base address. */
  readonly #regionOf = new WeakMap<
    ArrayBufferLike,
    { readonly region: number; readonly base: bigint }
  >();
  /** Mapped regions by number, oldest first. */
  readonly #regions = new Map<number, ArrayBufferLike>();
  /** The region mapped last (given again, it stays where it is). */
  #newest = -1;
  #next = 0;

  /** addressOf: the fake user address of `buf`'s first byte (its region mapped as the newest). */
  addressOf(buf: Buffer): bigint {
    const backing = buf.buffer;
    let known = this.#regionOf.get(backing);
    if (known === undefined) {
      const region = this.#next++;
      known = { region, base: USER_BASE + BigInt(region) * REGION_SPAN };
      this.#regionOf.set(backing, known);
    }
    if (known.region !== this.#newest) {
      this.#regions.delete(known.region);
      this.#regions.set(known.region, backing);
      this.#newest = known.region;
      if (this.#regions.size > MAPPED) {
        this.#regions.delete(this.#regions.keys().next().value as number);
      }
    }
    return buf.byteOffset === 0 ? known.base : known.base + BigInt(buf.byteOffset);
  }

  /**
   * resolve: the `len` bytes at `ptr` as a view into the caller's memory,
   * or undefined when they are not all mapped. Zero bytes always resolve
   * (the kernel copies nothing and checks nothing).
   */
  resolve(ptr: bigint, len: number): Buffer | undefined {
    if (len === 0) return Buffer.alloc(0);
    if (ptr < USER_BASE) return undefined;
    const backing = this.#regions.get(Number((ptr - USER_BASE) / REGION_SPAN));
    const offset = Number((ptr - USER_BASE) % REGION_SPAN);
    if (backing === undefined || offset + len > backing.byteLength) return undefined;
    return Buffer.from(backing, offset, len);
  }
}
