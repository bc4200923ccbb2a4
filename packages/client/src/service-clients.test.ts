import { DeviceServiceClient } from '@auxctl/proto/devices';
import { MigrationServiceClient } from '@auxctl/proto/migration';
import { PciServiceClient } from '@auxctl/proto/pci';
import { PortFunctionServiceClient } from '@auxctl/proto/port-functions';
import { SimulatorServiceClient } from '@auxctl/proto/simulator';
import { VdpaServiceClient } from '@auxctl/proto/vdpa';
import { Channel, credentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AuxctlClient } from './auxctl-client.js';
import { ServiceClients, type ServiceName } from './service-clients.js';

// Port 1 on loopback: nothing listens, and nothing here makes a call, so no
// connection is ever attempted; the tests only look at the clients made.
const ADDRESS = '127.0.0.1:1';

const channels: Channel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) c.close();
});

function registry(): { services: ServiceClients; channel: Channel } {
  const creds = credentials.createInsecure();
  const channel = new Channel(ADDRESS, creds, {});
  channels.push(channel);
  return { services: new ServiceClients(ADDRESS, creds, channel), channel };
}

const EXPECTED: Record<ServiceName, abstract new (...args: never[]) => unknown> = {
  devices: DeviceServiceClient,
  portFunctions: PortFunctionServiceClient,
  pci: PciServiceClient,
  migration: MigrationServiceClient,
  simulator: SimulatorServiceClient,
  vdpa: VdpaServiceClient,
};

describe('ServiceClients', () => {
  it('makes each service its generated client, on the shared channel', async () => {
    const { services, channel } = registry();
    for (const [name, Client] of Object.entries(EXPECTED)) {
      const made = await services.get(name as ServiceName);
      expect(made, name).toBeInstanceOf(Client);
      expect(made.getChannel(), name).toBe(channel);
    }
  });

  it('makes a service once, also when first calls race', async () => {
    const { services } = registry();
    const [a, b] = await Promise.all([services.get('vdpa'), services.get('vdpa')]);
    expect(a).toBe(b);
    expect(await services.get('vdpa')).toBe(a);
    expect(await services.get('pci')).not.toBe(a);
  });
});

describe('AuxctlClient.service', () => {
  it('gives the generated client of a service on the client channel, the same one every time', async () => {
    const client = new AuxctlClient({
      address: ADDRESS,
      credentials: credentials.createInsecure(),
      options: {},
    });
    try {
      const pci = await client.service('pci');
      expect(pci).toBeInstanceOf(PciServiceClient);
      expect(pci.getChannel()).toBe(client.ctl.getChannel());
      expect(await client.service('pci')).toBe(pci);
    } finally {
      client.close();
    }
  });
});
