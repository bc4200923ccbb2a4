import { silentLogger } from '@auxctl/core';
import { CtlRegistry, createCtlDriver, resourceDumpObjects } from '@auxctl/ctl-aux';
import { RSC_DUMP_ALL, SegmentType } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, endpoint, flush, type Rig, rdmaRig } from './test-support/rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("ctl's resource dump of the same core", () => {
  it('shows the RDMA QPs, owned by the verbs context uid, with their state', async () => {
    const ctl = new CtlRegistry();
    rig = await rdmaRig({ drivers: [createCtlDriver({ registry: ctl, audit: silentLogger })] });
    const a = await endpoint(await rig.open(0));
    const a2 = await endpoint(await rig.open(0));
    const b = await endpoint(await rig.open(1));
    await connect(a, b);
    await a2.qp.modify({ state: 'INIT', port: 1 });
    // a2's QP is moved to ERR, which the dump must show.
    await a2.qp.modify({ state: 'ERR' });
    const tool = await ctl.open(ctl.names()[0]!, { principal: 'debug', caps: { sys_admin: true } });
    expect(tool.uid).not.toBe(a.ctx.uid);
    const { objects, errors } = await resourceDumpObjects(tool, {
      segmentType: SegmentType.FULL_QPC,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(errors).toEqual([]);
    const byQpn = new Map(objects.map((o) => [o.id, o]));
    const qa = byQpn.get(a.qp.qpn)!;
    const qa2 = byQpn.get(a2.qp.qpn)!;
    expect([qa.uid, qa2.uid]).toEqual([a.ctx.uid, a2.ctx.uid]);
    expect(qa.context.get('state')).toBe(3n); // RTS
    expect(qa.context.get('remote_qpn')).toBe(BigInt(b.qp.qpn));
    expect(qa.context.get('cqn_snd')).toBe(BigInt(a.sendCq.cqn));
    expect(qa.context.get('rwe')).toBe(1n);
    expect(qa2.context.get('state')).toBe(6n); // ERR
    // After the verbs context closes, the dump no longer finds its QP.
    a.qp.postSend({ opcode: 'SEND', sge: [a.sge(0, 8)] });
    await a.ctx.close();
    await flush();
    const after = await resourceDumpObjects(tool, {
      segmentType: SegmentType.FULL_QPC,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(after.objects.map((o) => o.id)).toEqual([a2.qp.qpn]);
    await tool.close();
  });
});
