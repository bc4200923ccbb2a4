/**
 * recordingDriver: a test driver that writes every callback it gets into
 * `calls` (`probe mlx.eth.0`, `remove mlx.eth.0`, ...). Overrides replace
 * or add hooks; an override still records the call first.
 */
import type { AuxiliaryDevice } from '../auxiliary-device.js';
import type { AuxiliaryDeviceId, AuxiliaryDriver } from '../auxiliary-driver.js';

type Hook = (adev: AuxiliaryDevice, id?: AuxiliaryDeviceId) => Promise<void> | void;

/** RecordingDriver: the driver and what happened to it. */
export interface RecordingDriver {
  readonly drv: AuxiliaryDriver;
  readonly calls: string[];
}

/** recordingDriver: `name` handling `matchNames`, with optional hook overrides. */
export function recordingDriver(
  name: string,
  matchNames: readonly string[],
  overrides: Partial<Record<'probe' | 'remove' | 'shutdown' | 'suspend' | 'resume', Hook>> = {},
  hooks: readonly ('remove' | 'shutdown' | 'suspend' | 'resume')[] = ['remove'],
): RecordingDriver {
  const calls: string[] = [];
  const wrap =
    (what: string, fn?: Hook): Hook =>
    async (adev, id) => {
      calls.push(`${what} ${adev.devName}`);
      await fn?.(adev, id);
    };
  const drv: { -readonly [K in keyof AuxiliaryDriver]: AuxiliaryDriver[K] } = {
    name,
    idTable: matchNames.map((n) => ({ name: n, data: { from: name } })),
    probe: wrap('probe', overrides.probe),
  };
  const all = new Set([...hooks, ...Object.keys(overrides)]);
  for (const h of ['remove', 'shutdown', 'suspend', 'resume'] as const) {
    if (all.has(h)) drv[h] = wrap(h, overrides[h]);
  }
  return { drv, calls };
}
