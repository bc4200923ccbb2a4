/**
 * ServiceClients: the generated clients of auxctld's services other than
 * CtlService, made on first use over the one channel of an AuxctlClient.
 *
 * Each service's generated code (@auxctl/proto/<service>) is loaded only
 * when a call first needs it: a program that only pulls a coredump or runs
 * firmware RPCs (CtlService, which AuxctlClient makes at once) never loads
 * the other six, which are most of the generated code. A service is loaded
 * once; concurrent first calls share the load.
 *
 * Never: makes a channel of its own (every client overrides its channel
 * with the shared one) or closes anything (the owner closes the channel).
 */
import type { DeviceServiceClient } from '@auxctl/proto/devices';
import type { MigrationServiceClient } from '@auxctl/proto/migration';
import type { PciServiceClient } from '@auxctl/proto/pci';
import type { PortFunctionServiceClient } from '@auxctl/proto/port-functions';
import type { SimulatorServiceClient } from '@auxctl/proto/simulator';
import type { VdpaServiceClient } from '@auxctl/proto/vdpa';
import type { Channel, ChannelCredentials } from '@grpc/grpc-js';

/** ServiceClientMap: the generated client of each lazily made service. */
export interface ServiceClientMap {
  devices: DeviceServiceClient;
  portFunctions: PortFunctionServiceClient;
  pci: PciServiceClient;
  migration: MigrationServiceClient;
  simulator: SimulatorServiceClient;
  vdpa: VdpaServiceClient;
}

/** ServiceName: a service ServiceClients can make. */
export type ServiceName = keyof ServiceClientMap;

type Constructor<K extends ServiceName> = new (
  address: string,
  credentials: ChannelCredentials,
  options: { channelOverride: Channel },
) => ServiceClientMap[K];

/** CONSTRUCTORS: how to load each service's generated client constructor. */
const CONSTRUCTORS: { [K in ServiceName]: () => Promise<Constructor<K>> } = {
  devices: async () => (await import('@auxctl/proto/devices')).DeviceServiceClient,
  portFunctions: async () =>
    (await import('@auxctl/proto/port-functions')).PortFunctionServiceClient,
  pci: async () => (await import('@auxctl/proto/pci')).PciServiceClient,
  migration: async () => (await import('@auxctl/proto/migration')).MigrationServiceClient,
  simulator: async () => (await import('@auxctl/proto/simulator')).SimulatorServiceClient,
  vdpa: async () => (await import('@auxctl/proto/vdpa')).VdpaServiceClient,
};

/** ServiceClients: see the module header. */
export class ServiceClients {
  readonly #made = new Map<ServiceName, Promise<unknown>>();

  constructor(
    private readonly address: string,
    private readonly credentials: ChannelCredentials,
    private readonly channel: Channel,
  ) {}

  /** get: the generated client of `name`, loading its code on first use. */
  get<K extends ServiceName>(name: K): Promise<ServiceClientMap[K]> {
    let made = this.#made.get(name) as Promise<ServiceClientMap[K]> | undefined;
    if (made === undefined) {
      const load: () => Promise<Constructor<K>> = CONSTRUCTORS[name];
      made = load().then(
        (Client) => new Client(this.address, this.credentials, { channelOverride: this.channel }),
      );
      this.#made.set(name, made);
    }
    return made;
  }
}
