/**
 * SimServedDevice: a simulated core device (a PF or an attached SF's nested
 * core) as the server sees it through the DeviceSource seam.
 *
 * Owns nothing but the view: the core keeps its state, events and health;
 * contexts are opened through the ctl registry like any ctl user would.
 * Never: reaches the simulator behind the core (faults come from the
 * backend the core was probed with, when it is the simulator's).
 */
import type { CoreDevice } from '@auxctl/core';
import type { CtlCredentials } from '@auxctl/ctl-aux';
import type { Device, HealthReporterName, HealthReporterReport } from '@auxctl/proto';
import { FaultInjector } from '@auxctl/sim';
import { healthReports } from '../../devices/device-snapshot.js';
import { notUpError } from '../../devices/device-up.js';
import { healthDump, healthRecover } from '../../devices/health-actions.js';
import type {
  DumpModes,
  GuestFunctions,
  MigrationFunctions,
  PciFunctions,
  ServedDevice,
  SourceContext,
  VdpaFunction,
} from '../device-source.js';

/** SimDeviceHost: what the simulated source gives each device view. */
export interface SimDeviceHost {
  describe(core: CoreDevice): Device;
  parentOf(core: CoreDevice): string | undefined;
  openCtl(core: CoreDevice, credentials: CtlCredentials): Promise<SourceContext>;
  vdpaOf(core: CoreDevice): VdpaFunction;
  /** A PF's PCI functions; undefined for an SF's or a VF's core. */
  pciOf(core: CoreDevice): PciFunctions | undefined;
  /** A PF's migratable VFs; undefined for an SF's or a VF's core. */
  migrationOf(core: CoreDevice): MigrationFunctions | undefined;
  /** Guests on a PF's VFs; undefined for an SF's or a VF's core. */
  guestsOf(core: CoreDevice): GuestFunctions | undefined;
}

const SIM_DUMPS: DumpModes = { modes: ['umem', 'inline'] };

/** SimServedDevice: see the module header. */
export class SimServedDevice implements ServedDevice {
  readonly source = 'sim';
  readonly dumps = SIM_DUMPS;
  readonly faults: FaultInjector | undefined;
  /** The vdpa management of the function (a management device once mlx5_vdpa binds its vnet). */
  readonly vdpa: VdpaFunction;
  /** A PF's PCI functions (itself and its VFs). */
  readonly pci: PciFunctions | undefined;
  /** A PF's VFs bound to a migration driver, moved through their vfio devices. */
  readonly migration: MigrationFunctions | undefined;
  /** Guests auxctld runs as VMM on a PF's VFs. */
  readonly guests: GuestFunctions | undefined;

  constructor(
    readonly core: CoreDevice,
    private readonly host: SimDeviceHost,
  ) {
    const backend = core.backend as { readonly faults?: unknown };
    this.faults = backend.faults instanceof FaultInjector ? backend.faults : undefined;
    this.vdpa = host.vdpaOf(core);
    this.pci = host.pciOf(core);
    this.migration = host.migrationOf(core);
    this.guests = host.guestsOf(core);
  }

  get name(): string {
    return this.core.name;
  }

  get state(): CoreDevice['state'] {
    return this.core.state;
  }

  get events(): CoreDevice['events'] {
    return this.core.events;
  }

  get fwVersion(): string {
    return this.core.identity.fwVersion;
  }

  get parent(): string {
    return this.host.parentOf(this.core) ?? '';
  }

  /** portFunctions: a PF's port functions; a sub-function's device has none. */
  get portFunctions(): CoreDevice['portFunctions'] | undefined {
    return this.parent === '' ? this.core.portFunctions : undefined;
  }

  describe(): Device {
    return this.host.describe(this.core);
  }

  healthReports(which: readonly HealthReporterName[]): HealthReporterReport[] {
    return healthReports(this.core, which);
  }

  healthDump(name: HealthReporterName): Promise<Buffer> {
    return healthDump(this.core, name);
  }

  healthRecover(name: HealthReporterName): Promise<HealthReporterReport> {
    return healthRecover(this.core, name);
  }

  open(credentials: CtlCredentials): Promise<SourceContext> {
    const down = notUpError(this);
    if (down) return Promise.reject(down);
    return this.host.openCtl(this.core, credentials);
  }
}
