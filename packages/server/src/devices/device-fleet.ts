/**
 * DeviceFleet: the devices one auxctld owns — an auxiliary bus, the ctl,
 * netdev and RDMA drivers bound on it, and N simulated functions each
 * probed by a core device.
 *
 * Owns the mapping between the API's device names (the core device's PCI
 * address, e.g. `0000:08:00.0`) and ctl device names
 * (`mlx5ctl-mlx5_core.ctl.N`), and the one release path (`close()`: cores,
 * whose removal closes every ctl context, then the simulators). It must
 * never reach a device except through the bus, the registry and the core.
 */
import {
  AUX_MODNAME,
  AuxError,
  AuxiliaryBus,
  CoreDevice,
  type CoreHealthOptions,
  createSfDriver,
  createSimDevice,
  FaultInjector,
  IdAllocator,
  LATENCY_PROFILES,
  type Logger,
  type SimFunction,
  silentLogger,
  simIdentity,
} from '@auxctl/core';
import {
  type CtlContext,
  type CtlCredentials,
  CtlRegistry,
  createCtlDriver,
  ctlDeviceName,
} from '@auxctl/ctl-aux';
import { createNetDriver } from '@auxctl/net-aux';
import { createRdmaDriver } from '@auxctl/rdma-aux';
import { notUpError } from './device-up.js';

/** DeviceFleetOptions: how many simulated devices and how they report. */
export interface DeviceFleetOptions {
  /** Number of simulated devices, 1..64 (default 2). */
  readonly devices?: number;
  readonly logger?: Logger;
  /** Receives the ctl driver's audit lines. */
  readonly auditLogger?: Logger;
  /** Health polling of each core (tests turn the timer off). */
  readonly health?: CoreHealthOptions;
  /** Core dump size of every simulated device (default: the simulator's, 831304 bytes). */
  readonly crdumpSize?: number;
  /** Command latency profile of every simulated device (default: the simulator's, `none`). */
  readonly latency?: SimLatencyProfile;
  /** Umem bytes one ctl context may hold at once (default: ctl-aux's, 256 MiB). */
  readonly umemBytesPerContext?: number;
}

/** SimLatencyProfile: a named command latency profile of the simulator (LATENCY_PROFILES). */
export type SimLatencyProfile = keyof typeof LATENCY_PROFILES;

/** SIM_LATENCY_PROFILES: the profile names, for flags that choose one. */
export const SIM_LATENCY_PROFILES = Object.keys(LATENCY_PROFILES) as SimLatencyProfile[];

/** SESSION_UMEM_CALLS: what a refused raw CREATE_UMEM / DESTROY_UMEM tells a remote caller to use. */
export const SESSION_UMEM_CALLS =
  'the Session messages umem_reg / umem_unreg (CtlService.Session registers server-side memory for its context)';

/** ctlNameOfCore: the ctl device name of `core`. */
function ctlNameOfCore(core: CoreDevice): string {
  return ctlDeviceName(`${AUX_MODNAME}.ctl.${core.id}`);
}

/** DeviceFleet: see the module header. */
export class DeviceFleet {
  private closed = false;

  private constructor(
    readonly bus: AuxiliaryBus,
    readonly registry: CtlRegistry,
    private readonly members: ReadonlyArray<{ core: CoreDevice; sim: SimFunction }>,
  ) {}

  /** create: probe every device; on failure everything probed so far is closed. */
  static async create(opts: DeviceFleetOptions = {}): Promise<DeviceFleet> {
    const n = opts.devices ?? 2;
    if (!Number.isInteger(n) || n < 1 || n > 64) {
      throw new AuxError('EINVAL', `devices must be an integer 1..64, not ${n}`);
    }
    const logger = opts.logger ?? silentLogger;
    const bus = new AuxiliaryBus();
    const registry = new CtlRegistry();
    await bus.registerDriver(
      createCtlDriver({
        registry,
        audit: opts.auditLogger ?? silentLogger,
        logger,
        // Remote callers have no memory of their own to register: the server's Session does it.
        umemCalls: SESSION_UMEM_CALLS,
        ...(opts.umemBytesPerContext !== undefined && {
          umemBytesPerContext: opts.umemBytesPerContext,
        }),
      }),
    );
    // The netdev and RDMA drivers bind the other aux devices, as on a host: a
    // device's snapshot shows all three bound, and ctl sees their objects.
    const net = createNetDriver({ logger });
    const rdma = createRdmaDriver({ logger });
    await bus.registerDriver(net);
    await bus.registerDriver(rdma);
    // Ids are per fleet: two servers in one process each have their own mlx5_core.ctl.0.
    const ids = new IdAllocator();
    // Activated sub-functions come up as nested core devices with ids from the same pool.
    await bus.registerDriver(
      createSfDriver({ ids, logger, ...(opts.health && { health: opts.health }) }),
    );
    const members: { core: CoreDevice; sim: SimFunction }[] = [];
    const fleet = new DeviceFleet(bus, registry, members);
    try {
      for (let i = 0; i < n; i++) {
        const sim = createSimDevice({
          identity: simIdentity(i),
          ...(opts.crdumpSize !== undefined && { crdumpSize: opts.crdumpSize }),
          ...(opts.latency !== undefined && { latency: opts.latency }),
        });
        try {
          const core = await CoreDevice.probe({
            backend: sim,
            bus,
            ids,
            logger,
            ...(opts.health && { health: opts.health }),
          });
          members.push({ core, sim });
        } catch (err) {
          sim.close();
          throw err;
        }
      }
    } catch (err) {
      await fleet.close();
      throw err;
    }
    return fleet;
  }

  /** cores: the PF core devices and the attached sub-functions' nested ones, ordered by id. */
  cores(): CoreDevice[] {
    const out: CoreDevice[] = [];
    for (const { core } of this.members) {
      out.push(core);
      for (const p of core.portFunctions.list()) if (p.nestedCore) out.push(p.nestedCore);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /**
   * core: the core device named `name` — a PF's PCI address, or an attached
   * sub-function's `mlx5_core.sf.N`; ENOENT for an unknown name.
   */
  core(name: string): CoreDevice {
    const c = this.find(name);
    if (!c) {
      throw new AuxError(
        'ENOENT',
        `no device ${JSON.stringify(name.slice(0, 64))}; list devices to see their names`,
      );
    }
    return c;
  }

  /** pf: the PF core device named `name`; ENOENT for an unknown one, EINVAL for a sub-function. */
  pf(name: string): CoreDevice {
    const m = this.members.find((x) => x.core.name === name);
    if (m) return m.core;
    this.core(name);
    throw new AuxError('EINVAL', `${name} is a sub-function; port functions live on its PF`);
  }

  /** find: a PF by name first (every Exec and Session looks one up), then an attached SF's device. */
  private find(name: string): CoreDevice | undefined {
    const pf = this.members.find((x) => x.core.name === name)?.core;
    if (pf) return pf;
    for (const { core } of this.members) {
      const sf = core.portFunctions.list().find((p) => p.nestedCore?.name === name)?.nestedCore;
      if (sf) return sf;
    }
    return undefined;
  }

  /** parentOf: the PF name of a sub-function's nested core device, or undefined for a PF. */
  parentOf(core: CoreDevice): string | undefined {
    for (const m of this.members) {
      if (m.core.portFunctions.list().some((p) => p.nestedCore === core)) return m.core.name;
    }
    return undefined;
  }

  /** sim: the simulated function behind device `name` (tests inspect its firmware). */
  sim(name: string): SimFunction {
    const m = this.members.find((x) => x.core.name === name);
    if (!m) throw new AuxError('ENOENT', `no device ${name}`);
    return m.sim;
  }

  /**
   * faults: the fault injector of the simulated function behind `name` (a
   * PF or an SF device); ENOENT for an unknown name, EOPNOTSUPP when the
   * device is not simulated.
   */
  faults(name: string): FaultInjector {
    const backend = this.core(name).backend as { readonly faults?: unknown };
    if (backend.faults instanceof FaultInjector) return backend.faults;
    throw new AuxError(
      'EOPNOTSUPP',
      `device ${name} is not simulated: faults can be injected only into the simulator's devices`,
    );
  }

  /** ctlNameOf: the ctl device name of core device `name`. */
  ctlNameOf(name: string): string {
    return ctlNameOfCore(this.core(name));
  }

  /**
   * open: a ctl context on `device` — a name, or the core a caller already
   * looked up with `core()`; ENOENT unknown name, ENODEV without a bound ctl
   * device.
   */
  open(device: string | CoreDevice, credentials: CtlCredentials): Promise<CtlContext> {
    const core = typeof device === 'string' ? this.core(device) : device;
    const down = notUpError(core);
    if (down) return Promise.reject(down);
    const ctl = ctlNameOfCore(core);
    if (!this.registry.get(ctl)) {
      return Promise.reject(
        new AuxError(
          'ENODEV',
          `device ${core.name} has no ctl device bound now; retry after a reload`,
        ),
      );
    }
    return this.registry.open(ctl, credentials);
  }

  /** close: close every core (its ctl contexts close with it), then the simulators. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { core, sim } of [...this.members].reverse()) {
      await core.close();
      sim.close();
    }
  }
}
