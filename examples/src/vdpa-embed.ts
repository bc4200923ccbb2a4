/**
 * vdpa-embed: a program that uses @auxctl/core, @auxctl/vdpa and
 * @auxctl/vdpa-aux (with @auxctl/sim's simulated device) to run a
 * virtio-net interface on a sub-function's firmware virtqueues: a PF and
 * its core driver, an SF activated on it, mlx5_vdpa bound to the SF's vnet
 * aux device, a vdpa device added through the SF's management device, the
 * virtio-net driver bound to it, and frames between that interface and a
 * second SF's vhost-vdpa user, which drives its rings itself.
 *
 * Run it with `node examples/dist/vdpa-embed.js` after `npm run build`. The
 * imports are the ones an embedder writes; packages/vdpa-aux/README.md
 * shows this file.
 */
import {
  AuxiliaryBus,
  CoreDevice,
  createSfDriver,
  IdAllocator,
  type Logger,
  silentLogger,
} from '@auxctl/core';
import {
  Avail,
  featureBit,
  VirtioStatus as S,
  Used,
  VIRTIO_NET_HDR_BYTES,
  VirtioF,
  VringDescF,
  vringSizes,
  writeDesc,
} from '@auxctl/prm';
import { createSimDevice, SimWire } from '@auxctl/sim';
import {
  createVhostVdpaDriver,
  createVirtioNetDriver,
  VdpaBus,
  VhostVdpaRegistry,
  VirtioNetRegistry,
} from '@auxctl/vdpa';
import { createMlx5VdpaDriver } from '@auxctl/vdpa-aux';
import { runAsScript } from './run-as-script.js';

/** EmbedReport: what the example found out. */
export interface EmbedReport {
  readonly mgmtdevs: string[];
  readonly status: number;
  readonly sent: number;
  /** Frames the vhost user found in its RX ring, and how many matched what was sent. */
  readonly received: number;
  readonly matched: number;
  readonly firmwareQueuesAfter: number;
}

/** runEmbedExample: the example; `logger` receives the drivers' log lines (default: none). */
export async function runEmbedExample(logger: Logger = silentLogger): Promise<EmbedReport> {
  // 1. A vdpa bus with its two consumers: virtio-net takes new devices, unless told otherwise.
  const vdpa = new VdpaBus({ log: logger });
  const nets = new VirtioNetRegistry();
  const vhosts = new VhostVdpaRegistry();
  await vdpa.registerDriver(createVirtioNetDriver({ registry: nets }));
  await vdpa.registerDriver(createVhostVdpaDriver({ registry: vhosts }));

  // 2. The auxiliary bus: the SF driver, and mlx5_vdpa for every mlx5_core.vnet device.
  const aux = new AuxiliaryBus();
  const ids = new IdAllocator();
  await aux.registerDriver(createSfDriver({ ids, logger, health: { poll: false } }));
  await aux.registerDriver(createMlx5VdpaDriver({ bus: vdpa, logger }));

  // 3. A device (simulated), a cable so its port has a link, and its core driver.
  const sim = createSimDevice();
  const wire = new SimWire({ device: sim }, { device: sim });
  const pf = await CoreDevice.probe({ backend: sim, bus: aux, ids, health: { poll: false } });
  try {
    // 4. Two SFs: each publishes mlx5_core.vnet.N and gets a management device.
    const sfs = [];
    for (const [sfnum, mac] of [
      [1, '02:00:00:00:01:01'],
      [2, '02:00:00:00:02:02'],
    ] as const) {
      const port = await pf.portFunctions.add({ pfnum: 0, sfnum });
      await pf.portFunctions.set(port.index, { hwAddr: mac });
      const core = (await pf.portFunctions.activate(port.index)).nestedCore;
      if (!core) throw new Error(`SF ${sfnum} did not come up`);
      sfs.push(`auxiliary/${core.name}`);
    }
    const mgmtdevs = vdpa.mgmt.showMgmtDev().map((m) => m.handle);

    // 5. A vdpa device on each; the second moves to vhost-vdpa (unbind, driver_override, bind).
    await vdpa.mgmt.devAdd({ name: 'vdpa0', mgmtdev: sfs[0]! });
    await vdpa.mgmt.devAdd({ name: 'vdpa1', mgmtdev: sfs[1]!, mac: '02:00:00:00:02:02' });
    await vdpa.unbind('vdpa1');
    vdpa.setDriverOverride('vdpa1', 'vhost_vdpa');
    await vdpa.bind('vdpa1', 'vhost_vdpa');
    const net = nets.require('vdpa0');

    // 6. The vhost user: features, rings in its own memory, one RX buffer per slot, DRIVER_OK.
    const user = vhosts.byDevice('vdpa1')!.open();
    await user.setStatus(S.ACKNOWLEDGE | S.DRIVER);
    user.setFeatures(featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM));
    await user.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
    const num = 8;
    const sizes = vringSizes(num);
    const rx = {
      desc: Buffer.alloc(sizes.desc),
      avail: Buffer.alloc(sizes.avail),
      used: Buffer.alloc(sizes.used),
    };
    user.setVringNum(0, num);
    user.setVringAddr(0, user.dmaMap(rx.desc), user.dmaMap(rx.avail), user.dmaMap(rx.used));
    const bufs = Array.from({ length: num }, () => Buffer.alloc(2048));
    bufs.forEach((b, i) => {
      writeDesc(rx.desc, i, {
        addr: user.dmaMap(b),
        len: b.length,
        flags: VringDescF.WRITE,
        next: 0,
      });
      Avail.setEntry(rx.avail, i, i);
    });
    Avail.setIdx(rx.avail, num);
    let calls = 0;
    user.setVringCall(0, () => calls++);
    await user.setVringEnable(0, true);
    await user.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);

    // 7. virtio-net sends to the vhost user's MAC; the embedded switch carries the frames.
    const userMac = Buffer.from('020000000202', 'hex');
    const sent: Buffer[] = [];
    for (let seq = 0; seq < 4; seq++) {
      const frame = Buffer.alloc(64);
      userMac.copy(frame, 0);
      net.mac.copy(frame, 6);
      frame.writeUInt16BE(0x88b5, 12); // local experimental EtherType
      frame.write(`frame ${seq}`, 14);
      net.send(frame);
      sent.push(frame);
    }
    for (let i = 0; i < 100 && Used.idx(rx.used) < sent.length; i++) {
      await new Promise((r) => setImmediate(r));
    }
    const received = Used.idx(rx.used);
    let matched = 0;
    for (let k = 0; k < received; k++) {
      const id = Used.id(rx.used, k);
      const len = Used.len(rx.used, k);
      const frame = bufs[id]!.subarray(VIRTIO_NET_HDR_BYTES, len);
      if (frame.equals(sent[k]!)) matched++;
    }
    const status = net.vdev.getStatus();

    // 8. Closing the user resets its device; deleting a vdpa device frees its firmware queues.
    await user.close();
    await vdpa.mgmt.devDel('vdpa0');
    await vdpa.mgmt.devDel('vdpa1');
    const firmwareQueuesAfter =
      sim.engine.subFunctions
        ?.list()
        .reduce((n, f) => n + (f.firmware?.objectCounts().VIRTIO_NET_Q ?? 0), 0) ?? 0;
    return { mgmtdevs, status, sent: sent.length, received, matched, firmwareQueuesAfter };
  } finally {
    // 9. Closing the PF takes its SFs, their management devices and all they made with it.
    wire.unplug();
    await pf.close();
    sim.close();
  }
}

runAsScript(import.meta.url, runEmbedExample);
