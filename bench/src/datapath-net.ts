/**
 * datapath-net: frames per second through two netdevs and the simulated
 * wire between their devices, next to handing the same buffers from one
 * function to another, measured in the same run.
 *
 * Netdev side: each batch fills A's TX ring (256 entries) with one frame
 * and waits until B's receive handler has seen every frame of the batch;
 * B's RX ring (512 entries) never runs dry, so nothing is dropped. Per
 * frame that is: a copy into the TX slot, a WQE and doorbell, the device's
 * send and receive paths, two CQEs with their interrupts, and a copy out of
 * the RX slot handed to the handler.
 * Baseline: the same number of frames handed straight to a handler as the
 * copy a receiver gets (`Buffer.from(frame)`), i.e. the hand-off without
 * rings, firmware queues or a wire.
 *
 * Frames of 64 and 1500 bytes. `netdev_frames_vs_direct_ratio` is the 1500 B
 * figure; the raw rates are reported next to it.
 */
import { createNetDriver, type NetDevice, NetRegistry } from '@auxctl/net-aux';
import { ethFrame } from '@auxctl/sim/testing';
import { measureRate, type Row, ratio } from './harness.js';
import { wiredPair } from './wired-pair.js';

const LOG_SQ = 8;
const LOG_RQ = 9;

/** measureNetdev: see the module header. */
export async function measureNetdev(
  ms: number,
): Promise<{ rows: Row[]; out: Record<string, number> }> {
  const registry = new NetRegistry();
  const rig = await wiredPair(createNetDriver({ registry, logSqSize: LOG_SQ, logRqSize: LOG_RQ }));
  const rows: Row[] = [];
  const out: Record<string, number> = {};
  try {
    const [a, b] = registry.names().map((n) => registry.require(n)) as [NetDevice, NetDevice];
    await a.open();
    await b.open();
    let received = 0;
    let waiting: { target: number; resolve: () => void } | undefined;
    b.onFrame(() => {
      received++;
      if (waiting && received >= waiting.target) {
        const w = waiting;
        waiting = undefined;
        w.resolve();
      }
    });
    const burst = 1 << LOG_SQ;
    for (const len of [64, 1500]) {
      const frame = ethFrame(b.mac, a.mac, len, 0x5a);
      let sent = received;
      const netdev = await measureRate(
        async () => {
          // A whole ring per batch: wait for the previous batch's send completions first.
          while (a.txRoom < burst) await new Promise((r) => setImmediate(r));
          for (let i = 0; i < burst; i++) {
            if (!a.xmit(frame)) throw new Error('the TX ring refused a frame it had room for');
          }
          sent += burst;
          if (received >= sent) return;
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error('frames went missing on a lossless wire')),
              5_000,
            );
            waiting = {
              target: sent,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            };
          });
        },
        { perBatch: burst, ms },
      );
      let sink = 0;
      const handler = (f: Buffer) => {
        sink += f.length;
      };
      const direct = await measureRate(
        () => {
          for (let i = 0; i < burst; i++) handler(Buffer.from(frame));
        },
        { perBatch: burst, ms },
      );
      if (sink === 0) throw new Error('the direct hand-off did nothing');
      const r = ratio(netdev.opsPerSec, direct.opsPerSec);
      out[`netdev_${len}_frames_per_s`] = Math.round(netdev.opsPerSec);
      out[`direct_${len}_frames_per_s`] = Math.round(direct.opsPerSec);
      out[`netdev_${len}_frames_vs_direct_ratio`] = r;
      if (len === 1500) out.netdev_frames_vs_direct_ratio = r;
      rows.push({
        what: `netdev + wire, ${len} B frames, ${burst} in flight`,
        value: `${Math.round(netdev.opsPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(direct.opsPerSec).toLocaleString('en')}/s direct`,
        ratio: r,
      });
    }
    const s = await b.stats();
    out.netdev_rx_dropped = Number(s.rx_dropped ?? 0n);
  } finally {
    await rig.close();
  }
  return { rows, out };
}
