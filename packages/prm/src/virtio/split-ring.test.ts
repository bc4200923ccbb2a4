import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Avail,
  isValidQueueSize,
  needEvent,
  readDesc,
  Used,
  vringSizes,
  writeDesc,
} from './split-ring.js';

describe('split ring layout', () => {
  it('sizes each area as virtio_ring.h does', () => {
    expect(vringSizes(256)).toEqual({ desc: 4096, avail: 518, used: 2054 });
  });

  it('accepts only powers of two up to 32768', () => {
    expect([1, 2, 256, 32768].every(isValidQueueSize)).toBe(true);
    expect([0, 3, 65536, 1.5, -2].some(isValidQueueSize)).toBe(false);
  });

  it('round-trips descriptors and ring entries in little-endian', () => {
    fc.assert(
      fc.property(
        fc.record({
          addr: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
          len: fc.nat({ max: 0xffffffff }),
          flags: fc.nat({ max: 0xffff }),
          next: fc.nat({ max: 0xffff }),
        }),
        fc.nat({ max: 7 }),
        (d, i) => {
          const table = Buffer.alloc(vringSizes(8).desc);
          writeDesc(table, i, d);
          expect(readDesc(table, i)).toEqual(d);
          expect(table.readUInt32LE(i * 16 + 8)).toBe(d.len);
        },
      ),
    );
    const avail = Buffer.alloc(vringSizes(4).avail);
    Avail.setIdx(avail, 0x1_0005);
    Avail.setEntry(avail, 3, 9);
    Avail.setUsedEvent(avail, 4, 7);
    expect([Avail.idx(avail), Avail.entry(avail, 3), Avail.usedEvent(avail, 4)]).toEqual([5, 9, 7]);
    expect(avail.readUInt16LE(12)).toBe(7);
    const used = Buffer.alloc(vringSizes(4).used);
    Used.setElem(used, 2, 11, 1500);
    Used.setAvailEvent(used, 4, 3);
    expect([Used.id(used, 2), Used.len(used, 2), Used.availEvent(used, 4)]).toEqual([11, 1500, 3]);
    expect(used.readUInt32LE(20)).toBe(11);
  });

  it('needEvent is true exactly when the event index lies in [old, next)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0x7fff }),
        (event, old, step) => {
          const next = (old + step) & 0xffff;
          const passed = ((event - old) & 0xffff) < step;
          expect(needEvent(event, next, old)).toBe(passed);
        },
      ),
    );
  });
});
