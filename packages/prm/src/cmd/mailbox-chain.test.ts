import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DmaSpace } from '../dma.js';
import { CmdProtBlock, MAILBOX_ALIGN } from '../ifc/cmd-layout.js';
import { MAX_CMD_BYTES } from '../ifc/header.js';
import { DeliveryStatus } from '../ifc/status.js';
import {
  blocksFor,
  ChainFault,
  collect,
  decode,
  dmaBlockMemory,
  encode,
  fill,
  prepare,
} from './mailbox-chain.js';
import { type MailboxBlock, MailboxPool } from './mailbox-pool.js';
import { signBlock } from './signature.js';

const TOKEN = CmdProtBlock.byteOffset('token');
const BLOCK_NUM = CmdProtBlock.byteOffset('block_num');
const NEXT_L = CmdProtBlock.byteOffset('next_l');

function message(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

function nth(head: MailboxBlock, n: number): MailboxBlock {
  let b = head;
  for (let i = 0; i < n; i++) b = b.link!;
  return b;
}

function setup() {
  const dma = new DmaSpace();
  const pool = new MailboxPool(dma);
  return { dma, pool, device: dmaBlockMemory(dma) };
}

describe('blocksFor', () => {
  it('counts 512-byte blocks past the inline 16 bytes', () => {
    expect([0, 16, 17, 528, 529, MAX_CMD_BYTES].map(blocksFor)).toEqual([0, 0, 1, 1, 2, 512]);
  });
});

describe('MailboxChain encode / decode', () => {
  it('round-trips any message length 0..262,160 through driver and device memory', () => {
    const { pool, device } = setup();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: MAX_CMD_BYTES }),
          fc.constantFrom(0, 16, 17, 528, 529, MAX_CMD_BYTES - 1, MAX_CMD_BYTES),
        ),
        fc.integer({ min: 1, max: 255 }),
        (len, token) => {
          const msg = message(len, token);
          const head = encode(pool, msg, token);
          expect(head === undefined).toBe(len <= 16);
          for (const mem of [pool, device]) {
            const out = decode(mem, head?.addr ?? 0, len, token, 'in');
            expect(out).toBeInstanceOf(Buffer);
            const got = out as Buffer;
            expect(got.length).toBe(len);
            expect(got.subarray(0, Math.min(16, len)).every((x) => x === 0)).toBe(true);
            expect(got.subarray(16).equals(msg.subarray(16))).toBe(true);
          }
          pool.give(head);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('lays blocks out as mlx5_cmd_prot_block: aligned, numbered, tokened, linked, 0-terminated', () => {
    const { pool } = setup();
    const head = encode(pool, message(16 + 512 * 3, 1), 9)!;
    let b: MailboxBlock | undefined = head;
    for (let i = 0; i < 3; i++) {
      expect(b!.addr % MAILBOX_ALIGN).toBe(0);
      expect(CmdProtBlock.get(b!.buf, 'block_num')).toBe(i);
      expect(CmdProtBlock.get(b!.buf, 'token')).toBe(9);
      const next = CmdProtBlock.get(b!.buf, 'next_l');
      expect(next).toBe(i < 2 ? b!.link!.addr : 0);
      b = b!.link;
    }
    expect(b).toBeUndefined();
  });

  it('refuses a message larger than a command can carry', () => {
    const { pool } = setup();
    expect(() => encode(pool, Buffer.alloc(MAX_CMD_BYTES + 1), 1)).toThrow(RangeError);
  });
});

describe('MailboxChain fault detection', () => {
  const len = 16 + 512 * 3;

  function corrupted(edit: (head: MailboxBlock) => void, token = 5) {
    const { pool, device } = setup();
    const head = encode(pool, message(len, 0), 5)!;
    edit(head);
    return decode(device, head.addr, len, token, 'in');
  }

  it('a flipped data bit is SIGNAT_ERR at that block', () => {
    const f = corrupted((h) => {
      nth(h, 2).buf[100]! ^= 0x04;
    });
    expect(f).toEqual(new ChainFault(DeliveryStatus.SIGNAT_ERR, 2));
  });

  it('with checksums off nothing is signed: a flipped bit passes, a foreign token still fails', () => {
    const { pool, device } = setup();
    const msg = message(len, 3);
    const head = encode(pool, msg, 5, false)!;
    nth(head, 2).buf[100]! ^= 0x04;
    const got = decode(device, head.addr, len, 5, 'in', false) as Buffer;
    expect(got.subarray(16).equals(msg.subarray(16))).toBe(false);
    expect(got[16 + 2 * 512 + 100]).toBe(msg[16 + 2 * 512 + 100]! ^ 0x04);
    nth(head, 1).buf[TOKEN] = 6;
    expect(decode(device, head.addr, len, 5, 'in', false)).toEqual(
      new ChainFault(DeliveryStatus.TOK_ERR, 1),
    );
  });

  it('a foreign token (re-signed) is TOK_ERR', () => {
    const f = corrupted((h) => {
      const b = nth(h, 1).buf;
      b[TOKEN] = 6;
      signBlock(b);
    });
    expect(f).toEqual(new ChainFault(DeliveryStatus.TOK_ERR, 1));
  });

  it('a chain read with the wrong token fails at block 0', () => {
    expect(corrupted(() => {}, 77)).toEqual(new ChainFault(DeliveryStatus.TOK_ERR, 0));
  });

  it('a block out of sequence (re-signed) is BAD_BLK_NUM', () => {
    const f = corrupted((h) => {
      const b = nth(h, 2).buf;
      b.writeUInt32BE(7, BLOCK_NUM);
      signBlock(b);
    });
    expect(f).toEqual(new ChainFault(DeliveryStatus.BAD_BLK_NUM, 2));
  });

  it('a null, unmapped or misaligned next pointer is a pointer error on the right side', () => {
    const cases: Array<(next: number) => number> = [() => 0, () => 0x7000_0000, (n) => n + 512];
    for (const bad of cases) {
      const { pool, device } = setup();
      const head = encode(pool, message(len, 0), 5)!;
      const b = head.buf;
      b.writeUInt32BE(bad(head.link!.addr), NEXT_L);
      signBlock(b);
      expect(decode(device, head.addr, len, 5, 'in')).toEqual(
        new ChainFault(DeliveryStatus.IN_PTR_ALIGN, 1),
      );
      expect(decode(device, head.addr, len, 5, 'out')).toEqual(
        new ChainFault(DeliveryStatus.OUT_PTR_ALIGN, 1),
      );
    }
  });

  it('a misaligned first pointer fails at block 0', () => {
    const { pool, device } = setup();
    const head = encode(pool, message(len, 0), 5)!;
    expect(decode(device, head.addr + 64, len, 5, 'in')).toEqual(
      new ChainFault(DeliveryStatus.IN_PTR_ALIGN, 0),
    );
    expect(new ChainFault(DeliveryStatus.TOK_ERR, 3).describe()).toBe('TOK_ERR at mailbox block 3');
  });
});

describe('MailboxChain output path (prepare -> collect -> fill -> decode)', () => {
  it('the device writes an outbox the driver reads back, for random lengths', () => {
    const { pool, device } = setup();
    fc.assert(
      fc.property(fc.integer({ min: 17, max: MAX_CMD_BYTES }), (len) => {
        const head = prepare(pool, len, 3)!;
        const blocks = collect(device, head.addr, len, 3, 'out');
        expect(Array.isArray(blocks)).toBe(true);
        const answer = message(len - 100 > 16 ? len - 100 : len, 8);
        fill(blocks as Buffer[], answer);
        const got = decode(pool, head.addr, len, 3, 'out') as Buffer;
        const want = Buffer.alloc(len);
        answer.copy(want, 0, 0, Math.min(answer.length, len));
        expect(got.subarray(16).equals(want.subarray(16))).toBe(true);
        pool.give(head);
      }),
      { numRuns: 25 },
    );
  });

  it('collect refuses an output chain carrying another token', () => {
    const { pool, device } = setup();
    const head = prepare(pool, 2000, 3)!;
    expect(collect(device, head.addr, 2000, 4, 'out')).toEqual(
      new ChainFault(DeliveryStatus.TOK_ERR, 0),
    );
  });
});
