import { WqeOpcode } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readRecvWqe,
  readSendWqe,
  sendWqeBlocks,
  writeRecvWqe,
  writeSendWqe,
} from './wqe-format.js';

const sge = fc.record({
  addr: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  lkey: fc.integer({ min: 0, max: 0xffff_ffff }).filter((k) => k !== 0x100),
  length: fc.integer({ min: 0, max: 0x7fff_ffff }),
});

describe('send and receive WQEs', () => {
  it('read back what was written, at any ring position, wrapping at the ring end (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(WqeOpcode.SEND, WqeOpcode.RDMA_WRITE, WqeOpcode.RDMA_READ),
        fc.array(sge, { maxLength: 6 }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 40 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xff_ffff }),
        fc.boolean(),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (opcode, sges, eth, hdr, index, qpn, signaled, raddr) => {
          const ring = Buffer.alloc(8 * 64);
          const w = {
            opcode,
            sges,
            eth,
            signaled,
            ...(eth && { inlineHeader: Buffer.from(hdr) }),
            ...(opcode !== WqeOpcode.SEND && { raddr, rkey: qpn }),
          };
          const blocks = writeSendWqe(ring, index, qpn, w);
          expect(blocks).toBe(sendWqeBlocks(w));
          const r = readSendWqe(ring, index, eth);
          expect(r).toMatchObject({ opcode, wqeIndex: index, qpn, sges, signaled });
          if (eth) expect(r.inlineHeader.equals(Buffer.from(hdr))).toBe(true);
          if (opcode !== WqeOpcode.SEND) expect([r.raddr, r.rkey]).toEqual([raddr, qpn]);
        },
      ),
    );
  });

  it('receive WQEs end early with INVALID_LKEY (property)', () => {
    fc.assert(
      fc.property(
        fc.array(sge, { minLength: 1, maxLength: 4 }),
        fc.constantFrom(64, 128),
        (sges, stride) => {
          const ring = Buffer.alloc(stride * 2, 0xee);
          writeRecvWqe(ring, stride, stride, sges);
          expect(readRecvWqe(ring, stride, stride)).toEqual(sges);
        },
      ),
    );
  });
});
