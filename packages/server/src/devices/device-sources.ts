/**
 * DeviceSources: every device auxctld serves, from all its sources, by the
 * API's name.
 *
 * Several sources may run in one daemon (`--source sim,fwctl`); a name is
 * served by one of them only: a device that appears under a name another
 * source already serves is not served (and logged), so a name always
 * means one device.
 *
 * Owns the name lookup (ENOENT for an unknown name, worded the same for
 * every source) and the one release path of the sources. Never: decides
 * who may see a device (callers authorize a name before looking it up, so
 * a refused caller cannot tell whether it exists).
 */

import { type Logger, silentLogger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { DeviceSource, ServedDevice } from '../sources/device-source.js';

/** unknownDevice: the ENOENT of a name no source serves (one wording for every source). */
export function unknownDevice(name: string): AuxError {
  return new AuxError(
    'ENOENT',
    `no device ${JSON.stringify(name.slice(0, 64))}; list devices to see their names`,
  );
}

/** DeviceSources: see the module header. */
export class DeviceSources {
  private closed = false;
  private readonly warned = new Set<string>();

  constructor(
    readonly sources: readonly DeviceSource[],
    private readonly log: Logger = silentLogger,
  ) {}

  /** devices: every device served now, source by source; a name a source before already serves is skipped. */
  devices(): ServedDevice[] {
    const out: ServedDevice[] = [];
    const seen = new Set<string>();
    for (const source of this.sources) {
      for (const d of source.devices()) {
        if (seen.has(d.name)) this.duplicate(d);
        else {
          seen.add(d.name);
          out.push(d);
        }
      }
    }
    return out;
  }

  /** find: the device named `name` (from the first source that has it), or undefined. */
  find(name: string): ServedDevice | undefined {
    for (const source of this.sources) {
      const d = source.device(name);
      if (d) return d;
    }
    return undefined;
  }

  /** device: the device named `name`; ENOENT for an unknown one. */
  device(name: string): ServedDevice {
    const d = this.find(name);
    if (!d) throw unknownDevice(name);
    return d;
  }

  /** onAppeared: `fn` for each device any source announces later, unless its name is another's. */
  onAppeared(fn: (device: ServedDevice) => void): () => void {
    const offs = this.sources.map((source) =>
      source.onAppeared((d) => {
        if (this.find(d.name) === d) fn(d);
        else this.duplicate(d);
      }),
    );
    return () => {
      for (const off of offs) off();
    };
  }

  /** close: close every source, last first; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const source of [...this.sources].reverse()) await source.close();
  }

  private duplicate(d: ServedDevice): void {
    const key = `${d.source}:${d.name}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(
      { device: d.name, source: d.source },
      'device name already served by another source; not serving this one',
    );
  }
}
