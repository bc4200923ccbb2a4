/**
 * UmemRegistry: the user memory one ctl context has registered with the
 * device (mlx5ctl's UMEM_REG / UMEM_UNREG).
 *
 * Registering maps the caller's buffer into the device's DMA space (as
 * pinning does), hands its page list to firmware with CREATE_UMEM under the
 * context's uid, and remembers the umem id; from then on the device can
 * write into the caller's buffer through an mkey on that umem (dumps).
 * Unregistering destroys the umem, then unmaps the buffer. Ids are per
 * context: another context's id is unknown here (ENOENT), whatever the
 * firmware would say.
 *
 * Rules (checked before anything is mapped):
 * - a Buffer or Uint8Array (the device writes into its memory, no copy);
 * - 1 byte .. 64 MiB, a whole number of 4 KiB pages (the device maps whole
 *   pages, and a page it can reach must be the caller's) — else EINVAL;
 * - the context's registered bytes stay within its limit — else ENOMEM.
 *
 * Owns: the registrations and their DMA mappings. Never: sends a command
 * itself (the context's `send` stamps the uid and audits it).
 */

import { buildInbox, createUmemInbox, printable } from '@auxctl/core';
import {
  AuxError,
  CmdOut,
  CreateUmemOut,
  DestroyUmemIn,
  type DmaSpace,
  Op,
  PAGE_SIZE,
} from '@auxctl/prm';

/** UMEM_MAX_BYTES: the largest single registration. */
export const UMEM_MAX_BYTES = 64 * 1024 * 1024;

/** DEFAULT_UMEM_BYTES_PER_CONTEXT: registered bytes a context may hold at once, by default. */
export const DEFAULT_UMEM_BYTES_PER_CONTEXT = 256 * 1024 * 1024;

/** DriverSend: runs a command as the context (uid stamped, audited); throws the status errno. */
export type DriverSend = (inbox: Buffer, outLen: number) => Promise<Buffer>;

interface Registration {
  readonly addr: bigint;
  readonly bytes: number;
  releasing: boolean;
}

/** checkUmemBuffer: `buffer` as a Buffer sharing its memory; EINVAL when it breaks a rule above. */
export function checkUmemBuffer(buffer: unknown): Buffer {
  if (!(buffer instanceof Uint8Array)) {
    throw new AuxError('EINVAL', 'umem memory must be a Buffer or Uint8Array');
  }
  const buf = Buffer.isBuffer(buffer)
    ? buffer
    : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  if (buf.length === 0 || buf.length > UMEM_MAX_BYTES || buf.length % PAGE_SIZE !== 0) {
    throw new AuxError(
      'EINVAL',
      `umem of ${buf.length} bytes: register 1..${UMEM_MAX_BYTES / PAGE_SIZE} whole ${PAGE_SIZE}-byte pages`,
    );
  }
  return buf;
}

/** UmemRegistry: see the module header. */
export class UmemRegistry {
  private readonly regs = new Map<number, Registration>();
  /** Bytes registered or being registered. */
  private held = 0;

  constructor(
    private readonly dma: () => DmaSpace,
    private readonly limitBytes: number = DEFAULT_UMEM_BYTES_PER_CONTEXT,
  ) {}

  /** bytes: registered bytes (including registrations in progress). */
  get bytes(): number {
    return this.held;
  }

  /** count: live registrations. */
  get count(): number {
    return this.regs.size;
  }

  /**
   * register: map `buffer` and create a umem over it; the umem id. Throws
   * EINVAL / ENOMEM (rules above) or the CREATE_UMEM errno; on any failure
   * the buffer is unmapped again and nothing is registered.
   */
  async register(buffer: unknown, send: DriverSend): Promise<number> {
    const buf = checkUmemBuffer(buffer);
    if (this.held + buf.length > this.limitBytes) {
      throw new AuxError(
        'ENOMEM',
        `registering ${buf.length} bytes would exceed this context's umem limit of ${this.limitBytes} bytes (${this.held} held); unregister some first`,
      );
    }
    this.held += buf.length;
    let dma: DmaSpace | undefined;
    let addr: bigint | undefined;
    try {
      dma = this.dma();
      addr = dma.map(buf);
      const out = await send(createUmemInbox(dma.pageAddresses(addr)), CreateUmemOut.bytes);
      const id = CreateUmemOut.get(out, 'umem_id');
      this.regs.set(id, { addr, bytes: buf.length, releasing: false });
      return id;
    } catch (err) {
      this.held -= buf.length;
      if (dma && addr !== undefined) dma.unmap(addr);
      throw err;
    }
  }

  /**
   * unregister: destroy umem `id` and unmap its buffer. ENOENT for an id
   * this context does not hold; the DESTROY_UMEM errno otherwise (EBUSY
   * while an mkey uses it: destroy the mkey first), keeping the registration.
   */
  async unregister(id: unknown, send: DriverSend): Promise<void> {
    const reg = typeof id === 'number' ? this.regs.get(id) : undefined;
    if (!reg || reg.releasing) {
      throw new AuxError('ENOENT', `umem ${printable(id)} is not registered by this context`);
    }
    reg.releasing = true;
    try {
      await send(
        buildInbox(DestroyUmemIn, Op.DESTROY_UMEM, { umem_id: id as number }),
        CmdOut.bytes,
      );
    } catch (err) {
      reg.releasing = false;
      throw err;
    }
    this.forget(id as number, reg);
  }

  /** destroyAll: DESTROY_UMEM for every registration, best effort (close; DESTROY_UCTX follows). */
  async destroyAll(send: DriverSend): Promise<void> {
    for (const [id, reg] of [...this.regs].reverse()) {
      if (reg.releasing) continue;
      reg.releasing = true;
      await send(buildInbox(DestroyUmemIn, Op.DESTROY_UMEM, { umem_id: id }), CmdOut.bytes).catch(
        () => {},
      );
    }
  }

  /** unmapAll: unmap every buffer and forget every registration (after the uctx is gone). */
  unmapAll(): void {
    for (const [id, reg] of [...this.regs]) this.forget(id, reg);
  }

  private forget(id: number, reg: Registration): void {
    this.regs.delete(id);
    this.held -= reg.bytes;
    try {
      this.dma().unmap(reg.addr);
    } catch {
      // The device is gone and took its DMA space with it: nothing is mapped any more.
    }
  }
}
