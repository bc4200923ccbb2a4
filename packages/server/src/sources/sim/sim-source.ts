/**
 * SimSource: the simulated device source — a PCI bus with the core driver
 * (mlx5_core) registered, an auxiliary bus with the ctl, netdev, RDMA and
 * vdpa drivers bound on it, and N simulated PFs added to the PCI bus (each
 * probed as a core device, each with `vfs` SR-IOV VFs to enable), served
 * through the DeviceSource seam. VFs that the core driver binds are served
 * devices of their own (named by their PCI address, parent their PF).
 *
 * Owns the mapping between the API's device names (the core device's PCI
 * address, e.g. `0000:08:00.0`) and ctl device names
 * (`mlx5ctl-mlx5_core.ctl.N`), the views of its cores (one SimServedDevice
 * per core, announced when a sub-function's core appears), and the one
 * release path (`close()`: cores, whose removal closes every ctl context,
 * then the simulators). It must never reach a device except through the
 * bus, the registry and the core.
 */
import {
  AUX_MODNAME,
  AuxiliaryBus,
  CoreDevice,
  type CoreHealthOptions,
  createCorePciDriver,
  createSfDriver,
  IdAllocator,
  type Logger,
  PciBus,
  type PciFunction,
  pciFunctionOf,
  silentLogger,
} from '@auxctl/core';
import {
  type CtlContext,
  type CtlCredentials,
  CtlRegistry,
  createCtlDriver,
  ctlDeviceName,
} from '@auxctl/ctl-aux';
import { createNetDriver } from '@auxctl/net-aux';
import { AuxError } from '@auxctl/prm';
import type { Device } from '@auxctl/proto';
import { createRdmaDriver } from '@auxctl/rdma-aux';
import {
  createSimDevice,
  LATENCY_PROFILES,
  type SimFunction,
  SocketWire,
  simIdentity,
} from '@auxctl/sim';
import { createMlx5VdpaDriver } from '@auxctl/vdpa-aux';
import { VfioDevices } from '@auxctl/vfio';
import { createMlx5VfioPciDriver } from '@auxctl/vfio-mlx5';
import { deviceSnapshot } from '../../devices/device-snapshot.js';
import { unknownDevice } from '../../devices/device-sources.js';
import { parseListenAddress } from '../../security/listen-address.js';
import type { DeviceSource, ServedDevice, SourceContext } from '../device-source.js';
import { SimServedDevice } from './sim-device.js';
import { SimGuests } from './sim-guests.js';
import { SimMigration } from './sim-migration.js';
import { SimPciFunctions } from './sim-pci.js';
import { SimVdpa } from './sim-vdpa.js';

/** SimSourceOptions: how many simulated devices and how they report. */
export interface SimSourceOptions {
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
  /** sriov_totalvfs of every simulated PF, 0..16 (default 4). */
  readonly vfs?: number;
  /** A cable from the first PF's port 1 to a device of another process (another auxctld). */
  readonly wire?: SimWireOptions;
}

/**
 * SimWireOptions: one end of a SocketWire on the first PF's port 1 — the
 * listening end (`listen`, host:port; port 0 picks one) or the connecting
 * end (`connect`, host:port of the far listener, redialled until it
 * answers). Exactly one of the two.
 */
export interface SimWireOptions {
  readonly listen?: string;
  readonly connect?: string;
}

/** SIM_DEFAULT_VFS: sriov_totalvfs of a simulated PF unless told otherwise. */
export const SIM_DEFAULT_VFS = 4;

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

/** Member: one simulated PF, its PCI function and its core device. */
interface Member {
  readonly core: CoreDevice;
  readonly sim: SimFunction;
  readonly fn: PciFunction;
  readonly pci: SimPciFunctions;
  readonly guests: SimGuests;
  readonly migration: SimMigration;
}

/** SimSource: see the module header. */
export class SimSource implements DeviceSource {
  readonly kind = 'sim';
  private closed = false;
  /** The cable to another process's device, when one was asked for. */
  wire: SocketWire | undefined;
  private readonly views = new WeakMap<CoreDevice, SimServedDevice>();
  private readonly appeared = new Set<(device: ServedDevice) => void>();
  private readonly announced = new WeakSet<CoreDevice>();

  private constructor(
    readonly bus: AuxiliaryBus,
    readonly registry: CtlRegistry,
    /** The vdpa bus and its management devices (one per sub-function mlx5_vdpa binds). */
    readonly vdpa: SimVdpa,
    /** The PCI bus the PFs and their VFs sit on. */
    readonly pci: PciBus,
    private readonly members: Member[],
  ) {}

  /** create: probe every device; on failure everything probed so far is closed. */
  static async create(opts: SimSourceOptions = {}): Promise<SimSource> {
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
    // mlx5_vdpa binds each SF's vnet aux device and registers its management device.
    const vdpa = await SimVdpa.create(logger);
    await bus.registerDriver(createMlx5VdpaDriver({ bus: vdpa.bus, logger }));
    const vfs = opts.vfs ?? SIM_DEFAULT_VFS;
    if (!Number.isInteger(vfs) || vfs < 0 || vfs > 16) {
      throw new AuxError('EINVAL', `vfs must be an integer 0..16, not ${vfs}`);
    }
    // The PFs are PCI functions bound by the core driver; their VFs, once
    // enabled, bind to it too (or to a driver named by driver_override).
    const pci = new PciBus({ log: logger });
    await pci.registerDriver(
      createCorePciDriver({ pci, bus, ids, logger, ...(opts.health && { health: opts.health }) }),
    );
    // mlx5_vfio_pci binds a VF only when its driver_override names it; its vfio devices are here.
    const vfio = new VfioDevices();
    await pci.registerDriver(createMlx5VfioPciDriver({ pci, devices: vfio, logger }));
    const members: Member[] = [];
    const fleet = new SimSource(bus, registry, vdpa, pci, members);
    // A VF's core comes up when a driver binds it: announce it then.
    pci.events.subscribe((e) => {
      if (e.type === 'bind') fleet.announceNew();
    });
    try {
      for (let i = 0; i < n; i++) {
        const sim = createSimDevice({
          identity: simIdentity(i),
          maxVfs: vfs,
          ...(opts.crdumpSize !== undefined && { crdumpSize: opts.crdumpSize }),
          ...(opts.latency !== undefined && { latency: opts.latency }),
        });
        try {
          const fn = await pci.addFunction(pciFunctionOf(sim));
          const core = fn.drvdata;
          if (!(core instanceof CoreDevice)) {
            throw new AuxError('ENODEV', `${fn.bdf}: the core driver did not bind it`);
          }
          const guests = new SimGuests(fn, vfio);
          members.push({
            core,
            sim,
            fn,
            pci: new SimPciFunctions(pci, fn, core, (bdf) => guests.inUse(bdf)),
            guests,
            migration: new SimMigration(guests),
          });
          fleet.announced.add(core);
          // A sub-function's core comes up after its port function's event: announce it then.
          core.events.subscribe((e) => {
            if (e.type === 'port-function') fleet.announceNew();
          });
        } catch (err) {
          sim.close();
          throw err;
        }
      }
      if (opts.wire) fleet.wire = await plugWire(members[0]!.sim, opts.wire);
    } catch (err) {
      await fleet.close();
      throw err;
    }
    return fleet;
  }

  /** cores: the PF core devices and the nested ones of attached SFs and bound VFs, ordered by id. */
  cores(): CoreDevice[] {
    const out: CoreDevice[] = [];
    for (const { core } of this.members) {
      out.push(core);
      for (const p of core.portFunctions.list()) if (p.nestedCore) out.push(p.nestedCore);
    }
    return out.sort((a, b) => a.id - b.id);
  }

  /**
   * core: the core device named `name` — a PF's or a bound VF's PCI
   * address, or an attached sub-function's `mlx5_core.sf.N`; ENOENT for an
   * unknown name.
   */
  core(name: string): CoreDevice {
    const c = this.find(name);
    if (!c) throw unknownDevice(name);
    return c;
  }

  /** find: a PF by name first (every Exec and Session looks one up), then an SF's or VF's device. */
  private find(name: string): CoreDevice | undefined {
    const pf = this.members.find((x) => x.core.name === name)?.core;
    if (pf) return pf;
    for (const { core } of this.members) {
      const nested = core.portFunctions.list().find((p) => p.nestedCore?.name === name)?.nestedCore;
      if (nested) return nested;
    }
    return undefined;
  }

  /** parentOf: the PF name of a sub-function's or VF's nested core device, or undefined for a PF. */
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
   * open: a ctl context on `device` (a name or a core); ENOENT unknown name,
   * ENODEV when the device is not up or has no bound ctl device.
   */
  open(device: string | CoreDevice, credentials: CtlCredentials): Promise<CtlContext> {
    const core = typeof device === 'string' ? this.core(device) : device;
    return this.view(core).open(credentials) as Promise<CtlContext>;
  }

  /** devices: the served views of cores() (DeviceSource). */
  devices(): ServedDevice[] {
    return this.cores().map((c) => this.view(c));
  }

  /** device: the served view of the core named `name` (DeviceSource). */
  device(name: string): ServedDevice | undefined {
    const core = this.find(name);
    return core && this.view(core);
  }

  /** onAppeared: see DeviceSource (sub-functions' cores, once attached). */
  onAppeared(fn: (device: ServedDevice) => void): () => void {
    this.appeared.add(fn);
    return () => this.appeared.delete(fn);
  }

  /** view: the one served view of `core`. */
  view(core: CoreDevice): SimServedDevice {
    let v = this.views.get(core);
    if (!v) {
      v = new SimServedDevice(core, {
        describe: (c): Device => deviceSnapshot(c, this.bus, this.parentOf(c)),
        parentOf: (c) => this.parentOf(c),
        openCtl: (c, credentials) => this.openCtl(c, credentials),
        vdpaOf: (c) => this.vdpa.functionOf(c.name),
        pciOf: (c) => this.memberOf(c)?.pci,
        migrationOf: (c) => this.memberOf(c)?.migration,
        guestsOf: (c) => this.memberOf(c)?.guests,
      });
      this.views.set(core, v);
    }
    return v;
  }

  /** memberOf: the PF member whose core is `core` (undefined for an SF's or a VF's). */
  private memberOf(core: CoreDevice): Member | undefined {
    return this.members.find((m) => m.core === core);
  }

  private openCtl(core: CoreDevice, credentials: CtlCredentials): Promise<SourceContext> {
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

  private announceNew(): void {
    for (const core of this.cores()) {
      if (this.announced.has(core) || core.state === 'closed') continue;
      this.announced.add(core);
      const v = this.view(core);
      for (const fn of [...this.appeared]) fn(v);
    }
  }

  /** close: close every core (its ctl contexts close with it), then the simulators. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appeared.clear();
    this.wire?.close();
    // Guests go first (their VMM lets their VFs go); removing a PF removes
    // its VFs, then unbinds it (its core closes).
    for (const { fn, sim, guests } of [...this.members].reverse()) {
      await guests.close();
      await this.pci.removeFunction(fn);
      sim.close();
    }
  }
}

/** plugWire: the SocketWire end `o` asks for on `sim`'s port 1 (EINVAL unless exactly one end). */
async function plugWire(sim: SimFunction, o: SimWireOptions): Promise<SocketWire> {
  if ((o.listen === undefined) === (o.connect === undefined)) {
    throw new AuxError('EINVAL', 'a simulated cable needs exactly one of listen and connect');
  }
  const at = parseListenAddress((o.listen ?? o.connect) as string);
  if (at.port === undefined) throw new AuxError('EINVAL', 'a simulated cable needs host:port');
  const address = { host: at.host, port: at.port };
  return o.listen !== undefined
    ? SocketWire.listen({ device: sim }, address)
    : SocketWire.connect({ device: sim }, address);
}
