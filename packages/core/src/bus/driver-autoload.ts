/**
 * DriverAutoload: turns a modalias into registered drivers through the
 * bus's resolver, the way udev runs modprobe on an `add` uevent.
 *
 * One resolver call per modalias is in flight at a time: devices added
 * together (`eth.0` and `eth.1`) share it and get the same drivers. A
 * driver the resolver returns that is already registered (the same object)
 * is reused; one whose name is taken by another driver, or that is
 * malformed, is refused and logged. Nothing here ever rejects: autoloading
 * is best effort and must not fail the `add` that triggered it.
 *
 * Owns: the in-flight table. Never: binds devices (the bus does, with what
 * `load` returns).
 */
import type { Logger } from '../log.js';
import type { AuxiliaryDriver } from './auxiliary-driver.js';
import type { DriverRecord } from './driver-binding.js';
import type { AuxDriverResolver } from './module-resolver.js';

/** AutoloadHost: what autoloading needs from its bus. */
export interface AutoloadHost {
  readonly log: Logger;
  /** The registered record of that driver name, if any. */
  registeredAs(name: string): DriverRecord | undefined;
  /** Register an autoloaded driver; throws EINVAL / EEXIST like registerDriver. */
  register(drv: AuxiliaryDriver): DriverRecord;
}

/** DriverAutoload: modalias -> registered driver records, deduplicated while in flight. */
export class DriverAutoload {
  private readonly loading = new Map<string, Promise<DriverRecord[]>>();

  constructor(private readonly host: AutoloadHost) {}

  /** load: the drivers for `modalias` (registered as needed); [] when none. Never rejects. */
  load(resolver: AuxDriverResolver, modalias: string): Promise<DriverRecord[]> {
    let pending = this.loading.get(modalias);
    if (!pending) {
      pending = this.resolve(resolver, modalias).finally(() => this.loading.delete(modalias));
      this.loading.set(modalias, pending);
    }
    return pending;
  }

  private async resolve(resolver: AuxDriverResolver, modalias: string): Promise<DriverRecord[]> {
    const { log } = this.host;
    let found: unknown;
    try {
      found = await resolver(modalias);
    } catch (err) {
      log.warn({ err, modalias }, 'driver autoload failed');
      return [];
    }
    if (found === undefined) {
      log.debug({ modalias }, 'no driver known for modalias');
      return [];
    }
    const list: readonly unknown[] = Array.isArray(found) ? found : [found];
    const records: DriverRecord[] = [];
    for (const drv of list) {
      const name = (drv as { name?: unknown } | null)?.name;
      const existing = typeof name === 'string' ? this.host.registeredAs(name) : undefined;
      if (existing && existing.drv === drv) {
        records.push(existing);
        continue;
      }
      try {
        records.push(this.host.register(drv as AuxiliaryDriver));
      } catch (err) {
        log.warn({ err, modalias }, 'autoloaded driver refused');
      }
    }
    log.debug({ modalias, drivers: records.map((r) => r.drv.name) }, 'drivers autoloaded');
    return records;
  }
}
