import { buildInbox } from '@auxctl/core';
import { AllocPdIn, AuxError, MAX_CMD_BYTES, OPCODES, Op } from '@auxctl/prm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPC_CHECK_ERRNOS } from './rpc-request.js';
import { REJECTED_OPCODES, SCOPE_TABLE } from './scope-table.js';
import { type CtlRig, ctlRig } from './test-support/rig.js';

let rig: CtlRig;
beforeAll(async () => {
  rig = await ctlRig({ sim: { crdumpSize: 64 * 1024 } });
});
afterAll(async () => {
  await rig.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

const opcode = fc.oneof(
  fc.constantFrom(...SCOPE_TABLE.map((r) => r.opcode)),
  fc.constantFrom(...REJECTED_OPCODES.map((r) => r.opcode)),
  fc.constantFrom(...OPCODES.map((o) => o.opcode)),
  fc.integer({ min: 0, max: 0xffff }),
);

const inbox = fc
  .record({
    opcode,
    opMod: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff })),
    uid: fc.integer({ min: 0, max: 0xffff }),
    length: fc.oneof(
      fc.integer({ min: 0, max: 600 }),
      fc.constantFrom(16, 4096 + 16, MAX_CMD_BYTES, MAX_CMD_BYTES + 1),
    ),
    body: fc.uint8Array({ maxLength: 600 }),
    clearReserved: fc.boolean(),
  })
  .map((r) => {
    const b = Buffer.alloc(r.length);
    Buffer.from(r.body).copy(b);
    if (b.length >= 16) {
      b.writeUInt16BE(r.opcode, 0);
      b.writeUInt16BE(r.uid, 2);
      b.writeUInt16BE(r.opMod, 6);
      if (r.clearReserved) b.fill(0, 4, 6);
    }
    return b;
  });

/** A well-formed ALLOC_PD, so that runs also create objects close() must destroy. */
const allocPd = fc.constant({ scope: 1, inbox: buildInbox(AllocPdIn, Op.ALLOC_PD), outLen: 16 });

const randomRequest = fc.record({
  scope: fc.oneof(
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: -2, max: 6 }),
    fc.constantFrom(0.5, '2', null, undefined),
  ),
  inbox: fc.oneof({ weight: 9, arbitrary: inbox }, { weight: 1, arbitrary: fc.anything() }),
  outLen: fc.oneof(
    fc.integer({ min: 0, max: 5000 }),
    fc.constantFrom(16, 4112, MAX_CMD_BYTES, MAX_CMD_BYTES + 1, -1, 1.5, Number.NaN),
  ),
});

const request = fc.oneof(
  { weight: 1, arbitrary: allocPd },
  { weight: 6, arbitrary: randomRequest },
);

describe('rpc() on random arguments (property)', () => {
  it('throws only the documented errnos and leaks nothing once the context closes', async () => {
    const objectsBefore = rig.objects();
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({ net_raw: fc.boolean(), sys_rawio: fc.boolean(), sys_admin: fc.boolean() }),
        fc.array(request, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
        async (caps, requests, umemPages) => {
          const ctx = await rig.open({ principal: 'fuzz', caps });
          for (const pages of umemPages) await ctx.umemReg(Buffer.alloc(pages * 4096));
          for (const req of requests) {
            try {
              const out = await ctx.rpc(req as never);
              expect(out.length).toBe(req.outLen);
              seen.add('sent');
            } catch (e) {
              expect(e).toBeInstanceOf(AuxError);
              expect(RPC_CHECK_ERRNOS).toContain((e as AuxError).code);
              seen.add((e as AuxError).code);
            }
          }
          // uctx + umems = 1 + umemPages.length; anything more was made by an RPC.
          if (rig.objects() > objectsBefore + 1 + umemPages.length) seen.add('created');
          await ctx.close();
          expect(rig.objects()).toBe(objectsBefore);
          expect(rig.extraMappings()).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
    // The generator reached every outcome.
    expect([...seen].sort()).toEqual([
      'EINVAL',
      'EMSGSIZE',
      'EOPNOTSUPP',
      'EPERM',
      'created',
      'sent',
    ]);
  });
});
