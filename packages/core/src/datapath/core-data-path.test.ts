import { isAuxError, PpcntGroup, VportState } from '@auxctl/prm';
import { SimWire } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import {
  modifyNicVportContext,
  modifyVportState,
  queryNicVportContext,
  queryVportState,
  readPmtu,
  readPortCounters,
  writePmtu,
} from '../device/port-commands.js';
import { CompletionQueue } from './completion-queue.js';
import { channel, flush, frame, type Node, nodes } from './test-support/data-path-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function one(): Promise<Node> {
  const r = await nodes(1);
  cleanups.push(r.close);
  return r.nodes[0]!;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isAuxError(e) ? e.code : 'not an AuxError';
  }
  return undefined;
}

describe('the core driver data path API', () => {
  it('creates its EQs on first use only, and tears them down on reload', async () => {
    const n = await one();
    expect(n.sim.engine.objectCounts()).toEqual({});
    expect(code(() => n.h.compEqn())).toBe('ENODEV');
    await n.h.openDataPath();
    await n.h.openDataPath();
    expect(n.sim.engine.objectCounts()).toEqual({ EQ: 2 });
    expect(n.h.compVectors).toBe(1);
    expect(n.h.compEqn(0)).toBeGreaterThan(0);
    expect(code(() => n.h.compEqn(1))).toBe('EINVAL');
    await n.core.reload();
    expect(n.sim.engine.objectCounts()).toEqual({});
  });

  it('refuses a second completion handler for a CQ and drops handlers at revocation', async () => {
    const n = await one();
    const seen: number[] = [];
    const cq = await CompletionQueue.create(n.h, {
      logSize: 4,
      onCompletion: (c) => seen.push(c.cqn),
    });
    cleanups.push(() => cq.release());
    expect(code(() => n.h.onCompletion(cq.cqn, () => {}))).toBe('EEXIST');
    n.h.revoke();
    expect(code(() => n.h.compEqn())).toBe('ENODEV');
    expect(n.core.eqs.onCompletion(cq.cqn, () => {})).toBeTypeOf('function');
    expect(seen).toEqual([]);
  });

  it('vport: MAC and MTU through the NIC vport context, state follows the link unless forced', async () => {
    const r = await nodes(2);
    cleanups.push(r.close);
    const [a, b] = r.nodes as [Node, Node];
    const mac = Buffer.from('02aabbccddee', 'hex');
    await modifyNicVportContext(a.h, { mac, mtu: 9000 });
    expect(await queryNicVportContext(a.h)).toEqual({ mac, mtu: 9000 });
    expect(await queryVportState(a.h)).toEqual({ state: 'down', adminState: VportState.FOLLOW });
    const w = new SimWire({ device: a.sim }, { device: b.sim });
    cleanups.push(() => w.unplug());
    expect((await queryVportState(a.h)).state).toBe('up');
    await modifyVportState(a.h, VportState.DOWN);
    expect(await queryVportState(a.h)).toEqual({ state: 'down', adminState: VportState.DOWN });
  });

  it("PMTU: frames longer than the receiver's MTU are dropped as a_frame_too_long_errors", async () => {
    const r = await nodes(2);
    cleanups.push(r.close);
    const [a, b] = r.nodes as [Node, Node];
    const w = new SimWire({ device: a.sim }, { device: b.sim });
    cleanups.push(() => w.unplug());
    expect(await readPmtu(b.h, 1)).toEqual({ max: 9216, admin: 1522, oper: 1522 });
    await writePmtu(b.h, 1, 1000);
    expect((await readPmtu(b.h, 1)).oper).toBe(1000);
    await expect(writePmtu(b.h, 1, 10_000)).rejects.toMatchObject({ code: 'EINVAL' });
    const ca = await channel(a.h);
    const cb = await channel(b.h);
    cleanups.push(() => ca.close());
    cleanups.push(() => cb.close());
    cb.fill(4);
    const bc = Buffer.from('ffffffffffff', 'hex');
    ca.send(frame(bc, 996));
    ca.send(frame(bc, 997), 1024);
    await flush();
    expect(cb.rxCqes.map((c) => c.byteCnt)).toEqual([996]);
    expect(
      (await readPortCounters(b.h, 1, PpcntGroup.IEEE_802_3)).get('a_frame_too_long_errors'),
    ).toBe(1n);
  });
});
