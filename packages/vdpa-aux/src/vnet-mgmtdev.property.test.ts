import { featureBit, isAuxError, VirtioF, VirtqType } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkVnetDevAdd, vnetSupportedFeatures } from './vnet-mgmtdev.js';

const CAP = {
  device_features_bits_mask: 0,
  virtio_version_1_0: 1,
  virtio_queue_type: 1 << VirtqType.SPLIT,
  max_num_virtio_queues: 16,
};
const SUPPORTED = vnetSupportedFeatures(CAP);
const REQUIRED = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);

describe('checkVnetDevAdd (property)', () => {
  it('accepts exactly the requests mlx5 accepts, with the errno it gives otherwise', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: undefined }),
        fc.integer({ min: 0, max: 64 }),
        fc.boolean(),
        (hasDevice, deviceFeatures, maxVqPairs, queues, split) => {
          const cap = {
            ...CAP,
            max_num_virtio_queues: queues,
            virtio_queue_type: split ? 1 << VirtqType.SPLIT : 1 << VirtqType.PACKED,
          };
          const config = {
            ...(deviceFeatures !== undefined && { deviceFeatures }),
            ...(maxVqPairs !== undefined && { maxVqPairs }),
          };
          const features = deviceFeatures ?? SUPPORTED;
          const expected = hasDevice
            ? 'ENOSPC'
            : (features & ~SUPPORTED) !== 0n
              ? 'EINVAL'
              : (features & REQUIRED) !== REQUIRED || !split
                ? 'EOPNOTSUPP'
                : queues < 2
                  ? 'EAGAIN'
                  : (maxVqPairs ?? 1) > queues / 2
                    ? 'EINVAL'
                    : undefined;
          try {
            const plan = checkVnetDevAdd('auxiliary/x', cap, config, hasDevice);
            expect(expected).toBeUndefined();
            expect(plan).toEqual({ features, pairs: maxVqPairs ?? 1 });
          } catch (err) {
            if (!isAuxError(err)) throw err;
            expect(err.code).toBe(expected);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('offers VERSION_1 only with a virtio 1.0 capability, and always ACCESS_PLATFORM', () => {
    expect(SUPPORTED & REQUIRED).toBe(REQUIRED);
    const legacy = vnetSupportedFeatures({ ...CAP, virtio_version_1_0: 0 });
    expect(legacy & featureBit(VirtioF.VERSION_1)).toBe(0n);
    expect(legacy & featureBit(VirtioF.ACCESS_PLATFORM)).not.toBe(0n);
  });
});
