import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  controlQueueIndex,
  featureBit,
  featureBits,
  featureMask,
  featureMaskOfText,
  VirtioF,
  VirtioNetF,
  virtioFeatureName,
  virtioNetQueue,
} from './virtio-spec.js';

describe('virtio feature bits', () => {
  it('masks and bit lists convert both ways', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (mask) => {
        const bits = featureBits(mask);
        expect(featureMask(bits)).toBe(mask);
        expect([...bits].sort((a, b) => a - b)).toEqual(bits);
      }),
    );
    expect(() => featureMask([64])).toThrow(RangeError);
    expect(() => featureMask([-1])).toThrow(RangeError);
  });

  it('reads a mask written in hex (up to 16 digits) or decimal (up to 20), nothing else', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (mask) => {
        expect(featureMaskOfText(`0x${mask.toString(16)}`)).toBe(mask);
        expect(featureMaskOfText(`0X${mask.toString(16).toUpperCase()}`)).toBe(mask);
        expect(featureMaskOfText(mask.toString())).toBe(mask);
      }),
    );
    for (const bad of [
      '',
      '0x',
      '-1',
      '1.5',
      'MAC',
      ' 1',
      '0x1ffffffffffffffff',
      '123456789012345678901',
    ]) {
      expect(featureMaskOfText(bad)).toBeUndefined();
    }
    expect(featureMaskOfText('99999999999999999999')).toBe(99999999999999999999n);
  });

  it('names net and transport bits as iproute2 does', () => {
    expect(virtioFeatureName(VirtioNetF.MAC)).toBe('MAC');
    expect(virtioFeatureName(VirtioF.VERSION_1)).toBe('VERSION_1');
    expect(virtioFeatureName(VirtioF.ACCESS_PLATFORM)).toBe('ACCESS_PLATFORM');
    expect(virtioFeatureName(4)).toBe('bit_4');
    expect(featureBit(VirtioF.VERSION_1)).toBe(1n << 32n);
  });

  it('places rx, tx and the control queue as virtio-net numbers them', () => {
    expect([virtioNetQueue(0, 'rx'), virtioNetQueue(0, 'tx'), virtioNetQueue(3, 'tx')]).toEqual([
      0, 1, 7,
    ]);
    expect(controlQueueIndex(0n, 4)).toBe(2);
    expect(controlQueueIndex(featureBit(VirtioNetF.MQ), 4)).toBe(8);
  });
});
