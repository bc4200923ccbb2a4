import {
  CQE_BYTES,
  CQE_INIT_OP_OWN,
  Cqe64,
  CqeOpcode,
  cqeOwner,
  cqeReady,
  DmaSpace,
  parseCqe,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.js';
import { ObjectTable } from '../object-table.js';
import { CompletionWriter } from './completion-writer.js';
import type { CqData } from './queue-data.js';

// The reading side is prm's CQE parser, the one every driver uses.
describe('CQEs', () => {
  it('the device writer and the driver parser agree, with the owner bit of each pass (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.record({
            qpn: fc.integer({ min: 0, max: 0xff_ffff }),
            wqeCounter: fc.integer({ min: 0, max: 0xffff }),
            byteCnt: fc.integer({ min: 0, max: 0xffff_ffff }),
            syndrome: fc.option(fc.integer({ min: 1, max: 0x22 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        (logSize, list) => {
          const dma = new DmaSpace();
          const entries = 1 << logSize;
          const buf = Buffer.alloc(entries * CQE_BYTES + 64);
          for (let i = 0; i < entries; i++)
            Cqe64.set(buf, 'op_own', CQE_INIT_OP_OWN, i * CQE_BYTES);
          const addr = dma.map(buf);
          const objects = new ObjectTable(() => 1 << 20);
          objects.create('EQ', 0, {});
          const data: CqData = {
            ring: { addr, bytes: entries * CQE_BYTES, dbr: addr + BigInt(entries * CQE_BYTES) },
            logSize,
            eqn: 1,
            pi: 0,
            arm: 'none',
            overruns: 0,
          };
          const cq = objects.create('CQ', 0, {}, [], data);
          const w = new CompletionWriter(dma, objects, () => false, silentLogger);
          let ci = 0;
          for (const c of list) {
            expect(cqeReady(buf, ci, logSize)).toBe(false);
            const error = c.syndrome !== undefined;
            const opcode = error ? CqeOpcode.REQ_ERR : CqeOpcode.REQ;
            expect(w.complete(cq.id, { ...c, opcode, wqeOpcode: 0x0a })).toBe(true);
            expect(cqeReady(buf, ci, logSize)).toBe(true);
            const base = (ci & (entries - 1)) * CQE_BYTES;
            expect(Cqe64.get(buf, 'op_own', base) & 1).toBe(cqeOwner(ci, logSize));
            const p = parseCqe(buf, base);
            expect(p).toMatchObject({ opcode, error, qpn: c.qpn, wqeCounter: c.wqeCounter });
            if (error) expect(p.syndrome).toBe(c.syndrome);
            else expect(p.byteCnt).toBe(c.byteCnt);
            ci++;
            buf.writeUInt32BE(ci, entries * CQE_BYTES);
          }
        },
      ),
    );
  });

  it('a full CQ drops the CQE and counts an overrun', () => {
    const dma = new DmaSpace();
    const buf = Buffer.alloc(2 * CQE_BYTES + 64);
    const addr = dma.map(buf);
    const objects = new ObjectTable(() => 8);
    const data: CqData = {
      ring: { addr, bytes: 128, dbr: addr + 128n },
      logSize: 1,
      eqn: 9,
      pi: 0,
      arm: 'none',
      overruns: 0,
    };
    const cq = objects.create('CQ', 0, {}, [], data);
    const w = new CompletionWriter(dma, objects, () => false, silentLogger);
    const c = { opcode: CqeOpcode.REQ, qpn: 1, wqeCounter: 0, byteCnt: 1 };
    expect([w.complete(cq.id, c), w.complete(cq.id, c), w.complete(cq.id, c)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(data.overruns).toBe(1);
  });
});
