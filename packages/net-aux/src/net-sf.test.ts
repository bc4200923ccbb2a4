import { createSfDriver } from '@auxctl/core';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLocalExchange } from './test-support/local-exchange.js';
import { flush, type NetRig, netRig } from './test-support/net-rig.js';

// A sub-function's netdev is a netdev like any other: the same driver binds
// its eth aux device, and frames between it and its PF's netdev go through
// the embedded switch without touching the wire.

let rig: NetRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('netdevs of a PF and of its sub-function', () => {
  it('exchange frames through the embedded switch; deleting the SF removes its netdev and objects', async () => {
    rig = await netRig();
    await rig.bus.registerDriver(createSfDriver({ ids: rig.ids, health: { poll: false } }));
    const [pfNet] = rig.devs;
    if (!pfNet) throw new Error('no PF netdev');
    const pf = rig.cores[0];
    if (!pf) throw new Error('no PF');
    const before = rig.objects(0);

    const port = await pf.portFunctions.add({ pfnum: 0, sfnum: 5 });
    await pf.portFunctions.set(port.index, { hwAddr: '02:00:00:00:05:05' });
    const sf = await pf.portFunctions.activate(port.index);
    expect(sf.state).toBe('attached');
    const sfCore = sf.nestedCore;
    if (!sfCore) throw new Error('no nested core');
    const sfNet = rig.registry.require(`eth${sfCore.id}`);
    await sfNet.open();
    await flush();
    expect(sfNet.linkUp).toBe(true);
    expect(sfNet.mac.toString('hex')).toBe('020000000505');

    const onWire = rig.wire?.stats().transmitted ?? 0;
    await expectLocalExchange(pfNet, sfNet);
    // Local unicast between functions of one port never reaches the wire.
    expect(rig.wire?.stats().transmitted ?? 0).toBe(onWire);

    await pf.portFunctions.delete(port.index);
    expect(rig.registry.names()).not.toContain(`eth${sfCore.id}`);
    expect(rig.objects(0)).toEqual(before);
  });
});
