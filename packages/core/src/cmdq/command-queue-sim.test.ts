import { CmdHdrOut, CmdStatus, isAuxError, OPCODES } from '@auxctl/prm';
import { createSimDevice } from '@auxctl/sim';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandQueue } from './command-queue.js';

const statuses = new Set<number>(Object.values(CmdStatus));
const open: Array<() => void> = [];
afterEach(() => {
  for (const c of open.splice(0)) c();
});

describe('queue + simulated firmware', () => {
  it('any inbox through the whole transport gets a defined status, never a transport error (property)', async () => {
    const sim = createSimDevice();
    const q = new CommandQueue(sim);
    const baseline = sim.dma.mappings;
    open.push(() => {
      q.close();
      sim.close();
    });
    // Half of the inboxes start with a real opcode, so handlers run, not only BAD_OP.
    const opcode = fc.oneof(
      fc.constantFrom(...OPCODES.map((o) => o.opcode)),
      fc.integer({ min: 0, max: 0xffff }),
    );
    await fc.assert(
      fc.asyncProperty(
        opcode,
        fc.uint8Array({ minLength: 14, maxLength: 3000 }),
        fc.integer({ min: 16, max: 5000 }),
        async (op, rest, outLen) => {
          const inbox = Buffer.concat([Buffer.from([op >> 8, op & 0xff]), rest]);
          let outbox: Buffer;
          try {
            outbox = await q.cmdDo(inbox, outLen);
          } catch (e) {
            if (!isAuxError(e, 'EREMOTEIO')) throw e;
            outbox = (e.detail as { outbox: Buffer }).outbox;
          }
          expect(outbox.length).toBe(outLen);
          expect(statuses.has(CmdHdrOut.get(outbox, 'status'))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
    const st = q.stats();
    expect([st.slotsInUse, st.waiters, st.timeouts]).toEqual([0, 0, 0]);
    // Every failure was firmware's answer (a command status), none a transport one.
    for (const o of st.ops) expect(o.failed).toBe(o.failed_mbox_status);
    expect(st.ops.reduce((n, o) => n + o.n, 0)).toBe(400);
    q.close();
    expect(sim.dma.mappings).toBe(baseline);
  });
});
