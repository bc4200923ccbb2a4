import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CMD_ENTRY_BYTES, CMD_QUEUE_BYTES, CmdLayout } from '../ifc/cmd-layout.js';
import { DeliveryStatus } from '../ifc/status.js';
import { CommandEntries } from './command-entries.js';
import { entryIntact } from './signature.js';

const pages = {
  aligned: () => Buffer.alloc(CMD_QUEUE_BYTES),
  // A page at an odd byte offset takes the byte-wise signature path.
  misaligned: () => Buffer.alloc(CMD_QUEUE_BYTES + 1).subarray(1),
};

describe('CommandEntries', () => {
  for (const [kind, make] of Object.entries(pages)) {
    it(`round-trips a request and its completion (${kind} page)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 31 }),
          fc.uint8Array({ minLength: 16, maxLength: 40 }),
          fc.integer({ min: 0, max: 2 ** 52 }).map((a) => a - (a % 1024)),
          fc.integer({ min: 16, max: 262_160 }),
          fc.integer({ min: 1, max: 255 }),
          fc.uint8Array({ minLength: 0, maxLength: 20 }),
          (slot, inb, ptr, outLen, token, outb) => {
            const page = make();
            const e = new CommandEntries(page);
            const inbox = Buffer.from(inb);
            e.writeRequest(slot, inbox, ptr, outLen, ptr + 4096, token);
            expect(entryIntact(page, slot * CMD_ENTRY_BYTES)).toBe(true);
            expect(e.descriptorFault(slot)).toBe(DeliveryStatus.OK);
            expect([e.ownedByHw(slot), e.token(slot), e.inLen(slot), e.outLen(slot)]).toEqual([
              true,
              token,
              inbox.length,
              outLen,
            ]);
            expect([e.inPtr(slot), e.outPtr(slot)]).toEqual([ptr, ptr + 4096]);
            expect(e.opcode(slot)).toBe(inbox.readUInt16BE(0));
            const inline = Buffer.alloc(16);
            e.readInlineIn(slot, inline);
            expect(inline.equals(inbox.subarray(0, 16))).toBe(true);

            e.complete(slot, DeliveryStatus.TOK_ERR, Buffer.from(outb));
            expect([e.ownedByHw(slot), e.deliveryStatus(slot), e.intact(slot)]).toEqual([
              false,
              DeliveryStatus.TOK_ERR,
              true,
            ]);
            const out = Buffer.alloc(16, 0xaa);
            e.readInlineOut(slot, out);
            const want = Buffer.alloc(16);
            Buffer.from(outb).copy(want, 0, 0, 16);
            expect(out.equals(want)).toBe(true);
            // Only this slot was written.
            const others = Buffer.concat([
              page.subarray(0, slot * CMD_ENTRY_BYTES),
              page.subarray((slot + 1) * CMD_ENTRY_BYTES),
            ]);
            expect(others.every((b) => b === 0)).toBe(true);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('refuses a page that is too small', () => {
    expect(() => new CommandEntries(Buffer.alloc(CMD_QUEUE_BYTES - 1))).toThrow(RangeError);
  });

  it('flags the reserved bits after the type byte', () => {
    const page = pages.aligned();
    const e = new CommandEntries(page);
    e.writeRequest(0, Buffer.alloc(16), 0, 16, 0, 1);
    CmdLayout.set(page, 'reserved_at_8', 0x10);
    expect(e.descriptorFault(0)).toBe(DeliveryStatus.SIGNAT_ERR); // not re-signed
    CmdLayout.set(page, 'sig', 0);
    CmdLayout.set(page, 'sig', ~xorAll(page) & 0xff);
    expect(e.descriptorFault(0)).toBe(DeliveryStatus.RES_FLD_NOT_CLR);
  });
});

function xorAll(page: Buffer): number {
  let x = 0;
  for (let i = 0; i < CMD_ENTRY_BYTES; i++) x ^= page[i]!;
  return x;
}
