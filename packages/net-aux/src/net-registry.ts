/**
 * NetRegistry: the netdevs an embedder can list and look up (the analogue
 * of `ip link`). The embedder creates one and hands it to
 * `createNetDriver`; the driver adds a netdev on probe and removes it on
 * remove. There is no process-wide registry: two embedders (or two tests)
 * never see each other's interfaces.
 *
 * `events` announces interfaces as they come and go (`added`, `removed`).
 * The map, its events, names/get/add/remove come from core's DeviceRegistry.
 *
 * Owns: listing and requiring netdevs by name. Never: creates or destroys
 * netdevs.
 */
import { DeviceRegistry, type RegistryEvent } from '@auxctl/core';
import type { NetDevice, NetDeviceInfo } from './net-device.js';

/** NetRegistryEvent: an interface appeared or went away. */
export type NetRegistryEvent = RegistryEvent;

/** NetRegistry: see the module header. */
export class NetRegistry extends DeviceRegistry<NetDevice> {
  constructor() {
    super({
      noun: 'interface',
      lookupHint: 'names() lists the registered ones',
      existsHint: 'give the driver a naming function that tells devices apart',
    });
  }

  /** list: a snapshot of every interface, in registration order. */
  list(): NetDeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info());
  }

  /** require: the interface called `name`; ENODEV when there is none. */
  require(name: string): NetDevice {
    return this.lookup(name);
  }
}
