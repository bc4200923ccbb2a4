import { CmdStatus, Syndrome } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ethFrame } from '../testing/eth-frame.js';
import { EthQueues } from '../testing/eth-queues.js';
import { MigrationRig } from '../testing/migration-rig.js';

const PF_MAC = Buffer.from('020000000a00', 'hex');
const VF_MAC = Buffer.from('020000000001', 'hex');

/** A full image of a VF with queues, a uid and traffic behind it. */
async function savedImage(): Promise<Buffer> {
  const rig = new MigrationRig();
  const vf = rig.enableVf(1, { mac: VF_MAC.toString('hex') });
  rig.pf.fw.datapath.vport.mac = Buffer.from(PF_MAC);
  const vq = new EthQueues(vf);
  vf.pd(vf.uctx(0));
  vq.post(ethFrame(PF_MAC, VF_MAC, 60));
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  rig.stop(1);
  const saved = rig.save(1);
  expect(saved.status).toBe(CmdStatus.OK);
  return saved.image;
}

/** The destination VF as LOAD must leave it when it refuses an image. */
function untouched(rig: MigrationRig): void {
  const vf = rig.pf.fw.virtualFunctions.get(1)!.firmware;
  expect(vf.objectCounts()).toEqual({});
  expect(vf.state).toBe('disabled');
  expect(vf.datapath.quiesce.state).toBe('stopped');
  expect(vf.datapath.vport.mac.toString('hex')).toBe('02000000bb01');
  expect(vf.migrationParts.pages.count).toBe(0);
}

describe('LOAD_VHCA_STATE refuses a damaged image', () => {
  it('any byte flipped, or the image cut at any length: MIG_IMAGE_BAD, the VF unchanged', async () => {
    const image = await savedImage();
    const rig = new MigrationRig();
    rig.enableVf(1, { mac: '02000000bb01', boot: false });
    rig.stop(1);
    const damaged = fc.oneof(
      fc.tuple(fc.nat(image.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, x]) => {
        const b = Buffer.from(image);
        b[at]! ^= x;
        return b;
      }),
      fc.nat(image.length - 1).map((n) => Buffer.from(image.subarray(0, n))),
    );
    fc.assert(
      fc.property(damaged, (bad) => {
        const r = rig.load(1, bad);
        expect([r.status, r.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.MIG_IMAGE_BAD]);
        untouched(rig);
      }),
      { numRuns: 300 },
    );
    // The intact image still loads afterwards.
    rig.pf.ok(rig.load(1, image), 'LOAD_VHCA_STATE');
  });
});
