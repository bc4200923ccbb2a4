import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CMD_ENTRY_BYTES, CmdProtBlock, MAILBOX_BLOCK_BYTES } from '../ifc/cmd-layout.js';
import { blockIntact, entryIntact, signBlock, signEntry, xor8 } from './signature.js';

function naiveXor(buf: Buffer, start: number, len: number): number {
  let x = 0;
  for (let i = start; i < start + len; i++) x ^= buf[i]!;
  return x;
}

describe('xor8', () => {
  it('equals a byte-by-byte XOR for any range and alignment', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 700 }),
        fc.nat(),
        fc.nat(),
        (a, s, l) => {
          const buf = Buffer.from(a);
          const start = s % buf.length;
          const len = l % (buf.length - start + 1);
          expect(xor8(buf, start, len)).toBe(naiveXor(buf, start, len));
        },
      ),
    );
  });
});

describe('entry signature', () => {
  it('verifies after signing and fails after any single-bit flip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: CMD_ENTRY_BYTES, maxLength: CMD_ENTRY_BYTES }),
        fc.integer({ min: 0, max: CMD_ENTRY_BYTES * 8 - 1 }),
        (bytes, bit) => {
          const page = Buffer.alloc(CMD_ENTRY_BYTES * 2);
          Buffer.from(bytes).copy(page, CMD_ENTRY_BYTES);
          signEntry(page, CMD_ENTRY_BYTES);
          expect(entryIntact(page, CMD_ENTRY_BYTES)).toBe(true);
          page[CMD_ENTRY_BYTES + (bit >> 3)]! ^= 1 << (bit & 7);
          expect(entryIntact(page, CMD_ENTRY_BYTES)).toBe(false);
        },
      ),
    );
  });
});

describe('block signatures', () => {
  const ctrlStart = CmdProtBlock.byteOffset('reserved_at_1000');
  const ctrlSig = CmdProtBlock.byteOffset('ctrl_sig');

  it('sign as calc_block_sig: ctrl region + ctrl_sig and the whole block XOR to 0xff', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: MAILBOX_BLOCK_BYTES, maxLength: MAILBOX_BLOCK_BYTES }),
        (bytes) => {
          const b = Buffer.from(bytes);
          signBlock(b);
          expect(naiveXor(b, ctrlStart, ctrlSig + 1 - ctrlStart)).toBe(0xff);
          expect(naiveXor(b, 0, MAILBOX_BLOCK_BYTES)).toBe(0xff);
          expect(blockIntact(b)).toBe(true);
        },
      ),
    );
  });

  it('any single-bit flip anywhere in the block is detected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAILBOX_BLOCK_BYTES * 8 - 1 }), (bit) => {
        const b = Buffer.alloc(MAILBOX_BLOCK_BYTES, 0x5a);
        signBlock(b);
        b[bit >> 3]! ^= 1 << (bit & 7);
        expect(blockIntact(b)).toBe(false);
      }),
    );
  });

  it('a flipped ctrl_sig alone fails even though data is intact', () => {
    const b = Buffer.alloc(MAILBOX_BLOCK_BYTES);
    signBlock(b);
    b[ctrlSig]! ^= 0x10;
    b[MAILBOX_BLOCK_BYTES - 1]! ^= 0x10; // keep the whole-block XOR at 0xff
    expect(naiveXor(b, 0, MAILBOX_BLOCK_BYTES)).toBe(0xff);
    expect(blockIntact(b)).toBe(false);
  });
});
