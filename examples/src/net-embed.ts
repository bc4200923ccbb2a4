/**
 * net-embed: a program that uses @auxctl/core and @auxctl/net-aux to run
 * two network interfaces: two devices (here @auxctl/sim's simulated ones),
 * their core drivers on a bus, the net driver bound to their eth aux
 * devices, a cable between their ports, and a ping from one interface to
 * the other, echoed back.
 *
 * Run it with `node examples/dist/net-embed.js` after `npm run build`. The
 * imports are the ones an embedder writes; packages/net-aux/README.md shows
 * this file.
 */
import { AuxiliaryBus, CoreDevice, IdAllocator, type Logger, silentLogger } from '@auxctl/core';
import { createNetDriver, type NetDevice, type NetDeviceInfo, NetRegistry } from '@auxctl/net-aux';
import { createSimDevice, SimWire, simIdentity } from '@auxctl/sim';
import { runAsScript } from './run-as-script.js';

/** EmbedReport: what the example found out. */
export interface EmbedReport {
  readonly interfaces: NetDeviceInfo[];
  readonly pings: number;
  readonly echoesMatched: number;
  readonly stats: Record<string, { tx_packets: bigint; rx_packets: bigint; tx_dropped: bigint }>;
}

/** runEmbedExample: the example; `logger` receives the drivers' log lines (default: none). */
export async function runEmbedExample(logger: Logger = silentLogger): Promise<EmbedReport> {
  // 1. A bus, a registry the program owns, and the net driver on the bus.
  const bus = new AuxiliaryBus();
  const registry = new NetRegistry();
  await bus.registerDriver(createNetDriver({ registry, logger }));

  // 2. Two devices and their core drivers: each publishes mlx5_core.eth.N, which the driver binds.
  const ids = new IdAllocator();
  const sims = [0, 1].map((n) => createSimDevice({ identity: simIdentity(n) }));
  const cores: CoreDevice[] = [];
  for (const sim of sims) {
    cores.push(await CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } }));
  }
  // 3. A cable between port 1 of each: without it a port has no link.
  const wire = new SimWire({ device: sims[0]! }, { device: sims[1]! });
  try {
    const [a, b] = registry.names().map((name) => registry.require(name)) as [NetDevice, NetDevice];
    await a.open();
    await b.open();
    await Promise.all([carrier(a), carrier(b)]);

    // 4. b echoes every frame back to its sender.
    b.onFrame((frame) => {
      const reply = Buffer.from(frame);
      frame.copy(reply, 0, 6, 12);
      b.mac.copy(reply, 6);
      b.xmit(reply);
    });

    // 5. a sends four pings and waits for each echo.
    const echoes = a.frames();
    let echoesMatched = 0;
    const pings = 4;
    for (let seq = 0; seq < pings; seq++) {
      const ping = Buffer.alloc(64);
      b.mac.copy(ping, 0);
      a.mac.copy(ping, 6);
      ping.writeUInt16BE(0x88b5, 12); // local experimental EtherType
      ping.write(`ping ${seq}`, 14);
      a.xmit(ping);
      const echo = await echoes.next();
      if (!echo.done && echo.value.subarray(12).equals(ping.subarray(12))) echoesMatched++;
    }
    await echoes.return?.();

    const stats: EmbedReport['stats'] = {};
    for (const dev of [a, b]) {
      const s = await dev.stats();
      stats[dev.name] = {
        tx_packets: s.tx_packets ?? 0n,
        rx_packets: s.rx_packets ?? 0n,
        tx_dropped: s.tx_dropped ?? 0n,
      };
    }
    return { interfaces: registry.list(), pings, echoesMatched, stats };
  } finally {
    // 6. Closing a core removes its aux devices; the driver destroys each netdev's queues.
    wire.unplug();
    for (const core of cores.reverse()) await core.close();
    for (const sim of sims) sim.close();
  }
}

/** carrier: resolves when `dev` has a link. */
function carrier(dev: NetDevice): Promise<void> {
  if (dev.linkUp) return Promise.resolve();
  return new Promise((resolve) => {
    const off = dev.events.subscribe((e) => {
      if (e.type === 'link' && e.up) {
        off();
        resolve();
      }
    });
  });
}

runAsScript(import.meta.url, runEmbedExample);
