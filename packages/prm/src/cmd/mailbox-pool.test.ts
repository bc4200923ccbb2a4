import { describe, expect, it } from 'vitest';
import { DmaSpace } from '../dma.js';
import { encode, prepare } from './mailbox-chain.js';
import { BLOCKS_PER_CHUNK, MailboxPool } from './mailbox-pool.js';

describe('MailboxPool', () => {
  it('recycles blocks: a steady stream of commands maps nothing new', () => {
    const dma = new DmaSpace();
    const pool = new MailboxPool(dma);
    const msg = Buffer.alloc(16 + 512 * 20);
    for (let i = 0; i < 5; i++) {
      const a = encode(pool, msg, 1);
      const b = prepare(pool, msg.length, 1);
      pool.give(a);
      pool.give(b);
    }
    const blocks = pool.blocks;
    const mappings = dma.mappings;
    expect(blocks).toBe(Math.ceil(40 / BLOCKS_PER_CHUNK) * BLOCKS_PER_CHUNK);
    for (let i = 0; i < 100; i++) {
      const a = encode(pool, msg, (i % 255) + 1);
      const b = prepare(pool, msg.length, (i % 255) + 1);
      pool.give(a);
      pool.give(b);
    }
    expect(pool.blocks).toBe(blocks);
    expect(dma.mappings).toBe(mappings);
    expect(pool.idleBlocks).toBe(blocks);
  });

  it('quarantined blocks are not reused until released', () => {
    const dma = new DmaSpace();
    const pool = new MailboxPool(dma);
    const head = encode(pool, Buffer.alloc(16 + 512 * BLOCKS_PER_CHUNK), 1);
    pool.quarantine(head);
    expect(pool.quarantinedBlocks).toBe(BLOCKS_PER_CHUNK);
    const addrs = new Set<number>();
    for (let b = head; b; b = b.link) addrs.add(b.addr);
    const again = encode(pool, Buffer.alloc(16 + 512 * 4), 2);
    for (let b = again; b; b = b.link) expect(addrs.has(b.addr)).toBe(false);
    pool.give(again);
    pool.releaseQuarantine();
    expect(pool.quarantinedBlocks).toBe(0);
    expect(pool.idleBlocks).toBe(pool.blocks);
  });

  it('close unmaps every chunk and the pool refuses further use', () => {
    const dma = new DmaSpace();
    const base = dma.mappings;
    const pool = new MailboxPool(dma);
    const head = encode(pool, Buffer.alloc(16 + 512 * 40), 1);
    pool.quarantine(head);
    expect(dma.mappings).toBeGreaterThan(base);
    pool.close();
    pool.close();
    expect(dma.mappings).toBe(base);
    expect(pool.blocks).toBe(0);
    expect(() => pool.take()).toThrow(/after close/);
  });
});
