/**
 * DeviceRegistry: the name -> device map an aux driver fills on probe and
 * empties on remove, so an embedder can list and look up what the driver
 * made (the analogue of a /sys/class directory). Each aux package extends it
 * with its own listing and open calls; there is no process-wide instance, so
 * two embedders (or two tests) never see each other's devices.
 *
 * `events` announces devices as they come and go (`added`, `removed`).
 *
 * Owns: the name -> device map and its events. Never: creates or destroys
 * devices.
 */
import { AuxError } from '@auxctl/prm';
import { EventChannel } from '../event-channel.js';
import { printable } from '../printable.js';

/** RegistryEvent: a device appeared in or went away from a registry. */
export type RegistryEvent =
  | { readonly type: 'added'; readonly device: string }
  | { readonly type: 'removed'; readonly device: string };

/** DeviceRegistryMessages: the wording of a registry's errors. */
export interface DeviceRegistryMessages {
  /** noun: what a device is called in messages, e.g. `interface`, `ib device`. */
  readonly noun: string;
  /** lookupHint: follows `no <noun> <name>; ` in the ENODEV message. */
  readonly lookupHint: string;
  /** existsHint: follows `<noun> <name> is already registered; ` in the EEXIST message, if set. */
  readonly existsHint?: string;
}

/** DeviceRegistry: see the module header. */
export class DeviceRegistry<D extends { readonly name: string }> {
  readonly events = new EventChannel<RegistryEvent>();
  private readonly byName = new Map<string, D>();

  constructor(private readonly messages: DeviceRegistryMessages) {}

  /** devices: the registered devices by name, in registration order. */
  protected get devices(): ReadonlyMap<string, D> {
    return this.byName;
  }

  /** names: the registered device names. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** get: the device called `name`, if registered. */
  get(name: string): D | undefined {
    return this.byName.get(name);
  }

  /** add: register `dev` (the driver's probe); EEXIST when the name is taken. */
  add(dev: D): void {
    if (this.byName.has(dev.name)) {
      const { noun, existsHint } = this.messages;
      const hint = existsHint === undefined ? '' : `; ${existsHint}`;
      throw new AuxError('EEXIST', `${noun} ${dev.name} is already registered${hint}`);
    }
    this.byName.set(dev.name, dev);
    this.events.publish({ type: 'added', device: dev.name });
  }

  /** remove: unregister `dev` (the driver's remove); false when it was not registered. */
  remove(dev: D): boolean {
    if (this.byName.get(dev.name) !== dev) return false;
    this.byName.delete(dev.name);
    this.events.publish({ type: 'removed', device: dev.name });
    return true;
  }

  /** lookup: the device called `name`; throws ENODEV when there is none. */
  protected lookup(name: string): D {
    const dev = this.byName.get(name);
    if (!dev) throw this.notFound(name);
    return dev;
  }

  /** notFound: the ENODEV error for `name`, for lookups that reject instead of throwing. */
  protected notFound(name: string): AuxError {
    const { noun, lookupHint } = this.messages;
    return new AuxError('ENODEV', `no ${noun} ${printable(name)}; ${lookupHint}`);
  }
}
