/**
 * CtlRegistry: the ctl devices callers can list and open (the analogue of
 * the `/dev/fwctl` directory). The embedder creates one and hands it to
 * `createCtlDriver`; the driver adds a device on probe and removes it on
 * remove. There is no process-wide registry: two embedders (or two tests)
 * never see each other's devices.
 *
 * `events` announces devices as they come and go (`added`, `removed`), for
 * a server's WatchDevices.
 *
 * Owns: the name -> device map. Never: creates or destroys devices.
 */
import { AuxError, EventChannel, printable } from '@auxctl/core';
import type { CtlCredentials } from './credentials.js';
import type { CtlContext } from './ctl-context.js';
import type { CtlDevice, CtlDeviceInfo } from './ctl-device.js';

/** CtlRegistryEvent: a ctl device appeared or went away. */
export type CtlRegistryEvent =
  | { readonly type: 'added'; readonly device: string }
  | { readonly type: 'removed'; readonly device: string };

/** CtlRegistry: see the module header. */
export class CtlRegistry {
  readonly events = new EventChannel<CtlRegistryEvent>();
  private readonly devices = new Map<string, CtlDevice>();

  /** list: every registered device, in registration order. */
  list(): CtlDeviceInfo[] {
    const out: CtlDeviceInfo[] = [];
    for (const d of this.devices.values()) {
      if (d.live) out.push(d.info());
    }
    return out;
  }

  /** names: the registered device names. */
  names(): string[] {
    return [...this.devices.keys()];
  }

  /** get: the device called `name`, if registered. */
  get(name: string): CtlDevice | undefined {
    return this.devices.get(name);
  }

  /** open: a context on device `name` (ENODEV when there is none); see CtlDevice.open. */
  open(name: string, credentials: CtlCredentials): Promise<CtlContext> {
    const dev = this.devices.get(name);
    if (!dev) {
      return Promise.reject(
        new AuxError(
          'ENODEV',
          `no ctl device ${printable(name)}; list() shows the registered ones`,
        ),
      );
    }
    return dev.open(credentials);
  }

  /** add: register `dev` (the driver's probe); EEXIST when the name is taken. */
  add(dev: CtlDevice): void {
    if (this.devices.has(dev.name)) {
      throw new AuxError('EEXIST', `ctl device ${dev.name} is already registered`);
    }
    this.devices.set(dev.name, dev);
    this.events.publish({ type: 'added', device: dev.name });
  }

  /** remove: unregister `dev` (the driver's remove); false when it was not registered. */
  remove(dev: CtlDevice): boolean {
    if (this.devices.get(dev.name) !== dev) return false;
    this.devices.delete(dev.name);
    this.events.publish({ type: 'removed', device: dev.name });
    return true;
  }
}
