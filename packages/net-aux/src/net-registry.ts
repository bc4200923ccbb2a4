/**
 * NetRegistry: the netdevs an embedder can list and look up (the analogue
 * of `ip link`). The embedder creates one and hands it to
 * `createNetDriver`; the driver adds a netdev on probe and removes it on
 * remove. There is no process-wide registry: two embedders (or two tests)
 * never see each other's interfaces.
 *
 * `events` announces interfaces as they come and go (`added`, `removed`).
 *
 * Owns: the name -> netdev map. Never: creates or destroys netdevs.
 */
import { AuxError, EventChannel, printable } from '@auxctl/core';
import type { NetDevice, NetDeviceInfo } from './net-device.js';

/** NetRegistryEvent: an interface appeared or went away. */
export type NetRegistryEvent =
  | { readonly type: 'added'; readonly device: string }
  | { readonly type: 'removed'; readonly device: string };

/** NetRegistry: see the module header. */
export class NetRegistry {
  readonly events = new EventChannel<NetRegistryEvent>();
  private readonly devices = new Map<string, NetDevice>();

  /** list: a snapshot of every interface, in registration order. */
  list(): NetDeviceInfo[] {
    return [...this.devices.values()].map((d) => d.info());
  }

  /** names: the registered interface names. */
  names(): string[] {
    return [...this.devices.keys()];
  }

  /** get: the interface called `name`, if registered. */
  get(name: string): NetDevice | undefined {
    return this.devices.get(name);
  }

  /** require: the interface called `name`; ENODEV when there is none. */
  require(name: string): NetDevice {
    const dev = this.devices.get(name);
    if (!dev) {
      throw new AuxError(
        'ENODEV',
        `no interface ${printable(name)}; names() lists the registered ones`,
      );
    }
    return dev;
  }

  /** add: register `dev` (the driver's probe); EEXIST when the name is taken. */
  add(dev: NetDevice): void {
    if (this.devices.has(dev.name)) {
      throw new AuxError(
        'EEXIST',
        `interface ${dev.name} is already registered; give the driver a naming function that tells devices apart`,
      );
    }
    this.devices.set(dev.name, dev);
    this.events.publish({ type: 'added', device: dev.name });
  }

  /** remove: unregister `dev` (the driver's remove); false when it was not registered. */
  remove(dev: NetDevice): boolean {
    if (this.devices.get(dev.name) !== dev) return false;
    this.devices.delete(dev.name);
    this.events.publish({ type: 'removed', device: dev.name });
    return true;
  }
}
