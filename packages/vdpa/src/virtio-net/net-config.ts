/**
 * The virtio-net config space as a device presents it (`struct
 * virtio_net_config`: mac, status, max_virtqueue_pairs, mtu, little
 * endian), and the read of a range of it that every device's `getConfig`
 * does. Shared by the software device and mlx5_vdpa.
 *
 * Owns: the layout's filling. Never: where the values come from.
 */
import { AuxError, VIRTIO_NET_S_LINK_UP, VirtioNetConfig } from '@auxctl/prm';

/** NetConfigFields: what a net device reports in its config space. */
export interface NetConfigFields {
  readonly mac: Buffer;
  readonly linkUp: boolean;
  readonly maxVqPairs: number;
  readonly mtu: number;
}

/** netConfigSpace: the whole config space for `c`. */
export function netConfigSpace(c: NetConfigFields): Buffer {
  const b = Buffer.alloc(VirtioNetConfig.BYTES);
  c.mac.copy(b, VirtioNetConfig.MAC);
  b.writeUInt16LE(c.linkUp ? VIRTIO_NET_S_LINK_UP : 0, VirtioNetConfig.STATUS);
  b.writeUInt16LE(c.maxVqPairs, VirtioNetConfig.MAX_VIRTQUEUE_PAIRS);
  b.writeUInt16LE(c.mtu, VirtioNetConfig.MTU);
  return b;
}

/** configRange: `len` bytes of `space` at `offset`; EINVAL for a range outside it. */
export function configRange(space: Buffer, offset: number, len: number): Buffer {
  if (offset < 0 || len < 0 || offset + len > space.length) {
    throw new AuxError('EINVAL', `config range ${offset}+${len} is outside the config space`);
  }
  return space.subarray(offset, offset + len);
}
