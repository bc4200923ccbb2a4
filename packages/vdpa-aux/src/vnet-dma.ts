/**
 * VnetDma: the DMA seam of an mlx5 vdpa device. The device reaches host
 * memory through one physical-address key on its PD, so an IOVA is the
 * bus address the function's DMA space gives a buffer; this seam maps
 * through that space and remembers what it mapped, so a reset that asks
 * for a clean map and the device's deletion unmap whatever a driver or a
 * user left behind.
 *
 * Owns: the mappings made through it. Never: the DMA space (the core's).
 */
import type { DmaSpace } from '@auxctl/prm';
import type { VdpaDma } from '@auxctl/vdpa';

/** VnetDma: see the module header. */
export class VnetDma implements VdpaDma {
  private readonly iovas = new Set<bigint>();

  constructor(private readonly space: DmaSpace) {}

  /** mappings: buffers mapped through this seam and not yet unmapped. */
  get mappings(): number {
    return this.iovas.size;
  }

  map(buf: Buffer): bigint {
    const iova = this.space.map(buf);
    this.iovas.add(iova);
    return iova;
  }

  unmap(iova: bigint): boolean {
    if (!this.iovas.delete(iova)) return false;
    return this.space.unmap(iova);
  }

  /** unmapAll: forget every mapping (VDPA_RESET_F_CLEAN_MAP, deletion). */
  unmapAll(): void {
    for (const iova of this.iovas) this.space.unmap(iova);
    this.iovas.clear();
  }

  /** resolve: the host bytes behind an IOVA range mapped here (the software control queue reads through it). */
  resolve(addr: bigint, len: number): Buffer | undefined {
    return this.space.resolve(addr, len);
  }
}
