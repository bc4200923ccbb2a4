/**
 * ctlRig: a simulated device, a core device on a bus and the ctl driver
 * bound to its ctl aux device, with the audit stream captured and the
 * numbers tests compare against baselines (firmware objects, DMA mappings
 * that are not the command queue's mailboxes).
 */
import { AuxiliaryBus, CoreDevice, IdAllocator } from '@auxctl/core';
import { type CapturedLine, captureLog } from '@auxctl/core/testing';
import { BLOCKS_PER_CHUNK } from '@auxctl/prm';
import { createSimDevice, type SimFunction, type SimFunctionOptions } from '@auxctl/sim';
import type { CtlCredentials } from '../credentials.js';
import type { CtlContext } from '../ctl-context.js';
import { createCtlDriver } from '../ctl-driver.js';
import { CtlRegistry } from '../ctl-registry.js';

/** ROOT: credentials with every privilege. */
export const ROOT: CtlCredentials = {
  principal: 'root',
  caps: { net_raw: true, sys_rawio: true, sys_admin: true },
};

/** ADMIN: sys_admin only (TOOLS_RESOURCES: dumps and diagnostics). */
export const ADMIN: CtlCredentials = { principal: 'admin', caps: { sys_admin: true } };

/** USER: no privileges. */
export const USER: CtlCredentials = { principal: 'user' };

export interface CtlRig {
  readonly bus: AuxiliaryBus;
  readonly registry: CtlRegistry;
  readonly sim: SimFunction;
  readonly core: CoreDevice;
  readonly audit: CapturedLine[];
  readonly log: CapturedLine[];
  /** The ctl device name of the rig's device. */
  readonly name: string;
  open(creds?: CtlCredentials): Promise<CtlContext>;
  /** Firmware objects of every type, all uids. */
  objects(): number;
  /** DMA mappings beyond the command queue's mailbox chunks and the boot baseline. */
  extraMappings(): number;
  /** Close everything; afterwards the DMA space must be empty. */
  close(): Promise<void>;
}

/** ctlRig: see the module header. */
export async function ctlRig(
  opts: { sim?: SimFunctionOptions; umemBytesPerContext?: number } = {},
): Promise<CtlRig> {
  const bus = new AuxiliaryBus();
  const registry = new CtlRegistry();
  const audit = captureLog('info');
  const log = captureLog('debug');
  await bus.registerDriver(
    createCtlDriver({
      registry,
      audit: audit.log,
      logger: log.log,
      ...(opts.umemBytesPerContext !== undefined && {
        umemBytesPerContext: opts.umemBytesPerContext,
      }),
    }),
  );
  const sim = createSimDevice({ ...opts.sim });
  const core = await CoreDevice.probe({
    backend: sim,
    bus,
    ids: new IdAllocator(),
    health: { poll: false },
  });
  const mailboxChunks = () =>
    core.state === 'closed' ? 0 : core.queue.stats().mailboxBlocks / BLOCKS_PER_CHUNK;
  const base = sim.dma.mappings - mailboxChunks();
  const name = registry.names()[0]!;
  let closed = false;
  return {
    bus,
    registry,
    sim,
    core,
    audit: audit.lines,
    log: log.lines,
    name,
    open: (creds = ROOT) => registry.open(name, creds),
    objects: () => Object.values(sim.engine.objectCounts()).reduce((a, b) => a + (b ?? 0), 0),
    extraMappings: () => sim.dma.mappings - mailboxChunks() - base,
    async close() {
      if (closed) return;
      closed = true;
      await core.close();
      sim.close();
    },
  };
}
