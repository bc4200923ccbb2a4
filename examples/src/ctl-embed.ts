/**
 * ctl-embed: a service that uses @auxctl/core and @auxctl/ctl-aux to get
 * the whole local API: a device (here @auxctl/sim's simulated one), its
 * core driver on a bus, the ctl driver bound to its ctl aux device, then a
 * context that queries capabilities, reads port counters, sends a raw RPC
 * (built with @auxctl/prm's layouts) and takes a coredump.
 *
 * Run it with `node examples/dist/ctl-embed.js` after `npm run build`. The
 * imports are the ones an embedder writes; packages/ctl-aux/README.md shows
 * this file.
 */

import { AuxiliaryBus, buildInbox, CoreDevice, type Logger } from '@auxctl/core';
import { CtlRegistry, coredump, createCtlDriver, generalCaps, readPpcnt } from '@auxctl/ctl-aux';
import { CmdHdrOut, FwctlScope, NopIn, Op } from '@auxctl/prm';
import { createSimDevice } from '@auxctl/sim';
import { pino } from 'pino';
import { runAsScript } from './run-as-script.js';

/** EmbedReport: what the example found out. */
export interface EmbedReport {
  readonly devices: string[];
  readonly uid: number;
  readonly uctxCap: number;
  readonly logMaxQp: number;
  readonly framesTransmitted: bigint;
  readonly nopStatus: number;
  readonly dumpBytes: number;
  readonly dumpSha256: string;
}

/** runEmbedExample: the example; `audit` receives the audit lines (default: stderr). */
export async function runEmbedExample(
  audit: Logger = pino(pino.destination(2)),
): Promise<EmbedReport> {
  // 1. A bus, a registry the service owns, and the ctl driver on the bus.
  const bus = new AuxiliaryBus();
  const registry = new CtlRegistry();
  await bus.registerDriver(createCtlDriver({ registry, audit }));

  // 2. A device and its core driver: probing publishes mlx5_core.ctl.N, which the driver binds.
  const sim = createSimDevice();
  const core = await CoreDevice.probe({ backend: sim, bus, health: { poll: false } });
  try {
    const devices = registry.list().map((d) => d.name);
    // 3. A context for a caller with sys_admin (TOOLS_RESOURCES: dumps, diagnostics).
    const ctx = await registry.open(devices[0]!, { principal: 'svc', caps: { sys_admin: true } });
    try {
      const caps = await generalCaps(ctx);
      const counters = await readPpcnt(ctx, { port: 1 });
      const nop = await ctx.rpc({
        scope: FwctlScope.DEBUG_READ_ONLY,
        inbox: buildInbox(NopIn, Op.NOP),
        outLen: 16,
      });
      const dump = await coredump(ctx, { mode: 'umem' });
      const { createHash } = await import('node:crypto');
      return {
        devices,
        uid: ctx.info().uid,
        uctxCap: ctx.info().uctxCap,
        logMaxQp: caps.cur.log_max_qp,
        framesTransmitted: counters.get('a_frames_transmitted_ok') ?? 0n,
        nopStatus: CmdHdrOut.get(nop, 'status'),
        dumpBytes: dump.size,
        dumpSha256: createHash('sha256').update(dump.data).digest('hex'),
      };
    } finally {
      await ctx.close();
    }
  } finally {
    // 4. Closing the core removes the aux device; the driver closes any context left.
    await core.close();
    sim.close();
  }
}

runAsScript(import.meta.url, runEmbedExample);
