/**
 * Feature negotiation of the virtio-net driver: from what the device
 * offers and what the driver wants, the subset to write before
 * FEATURES_OK, with the rules a modern driver on vdpa follows:
 *  - VERSION_1 is required (no legacy layout); a device without it is refused;
 *  - ACCESS_PLATFORM is accepted whenever offered (the device sits behind
 *    an IOMMU-like translation: ring addresses are IOVAs);
 *  - MQ and CTRL_MAC_ADDR only with CTRL_VQ (they are control-queue commands);
 *  - nothing the device did not offer.
 *
 * Owns: the negotiation rule. Never: talks to a device.
 */
import { AuxError, featureBit, hasFeature, VirtioF, VirtioNetF } from '@auxctl/prm';

/** VIRTIO_NET_DRIVER_FEATURES: what the driver wants by default. */
export const VIRTIO_NET_DRIVER_FEATURES = [
  VirtioF.VERSION_1,
  VirtioF.ACCESS_PLATFORM,
  VirtioF.RING_EVENT_IDX,
  VirtioNetF.MAC,
  VirtioNetF.MTU,
  VirtioNetF.STATUS,
  VirtioNetF.CTRL_VQ,
  VirtioNetF.CTRL_MAC_ADDR,
  VirtioNetF.MQ,
].reduce((m, b) => m | featureBit(b), 0n);

/**
 * negotiateNetFeatures: the features to accept; EOPNOTSUPP when the device
 * lacks VERSION_1.
 */
export function negotiateNetFeatures(device: bigint, wanted: bigint): bigint {
  if (!hasFeature(device, VirtioF.VERSION_1)) {
    throw new AuxError(
      'EOPNOTSUPP',
      'the device does not offer VERSION_1; legacy is not supported',
    );
  }
  let f = device & (wanted | featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM));
  if (!hasFeature(f, VirtioNetF.CTRL_VQ)) {
    f &= ~(featureBit(VirtioNetF.MQ) | featureBit(VirtioNetF.CTRL_MAC_ADDR));
  }
  return f;
}
