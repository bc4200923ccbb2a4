/**
 * Uevent: what the auxiliary bus announces when a device comes, goes, binds
 * or unbinds, shaped like the kernel's uevent environment so that a
 * udev-like listener can act on it (`MODALIAS` is what autoloading keys on).
 *
 * Owns: the event shape. Never: delivers events (the bus's EventChannel does).
 */
import type { AuxiliaryDevice } from './auxiliary-device.js';

/** UeventAction: the kobject actions the bus emits. */
export type UeventAction = 'add' | 'remove' | 'bind' | 'unbind';

/**
 * Uevent: one announcement. `env` always holds ACTION, SUBSYSTEM
 * (`auxiliary`), MODALIAS (`auxiliary:<modname>.<name>`) and SEQNUM (rising
 * per bus); `bind` and `unbind` add DRIVER; a device with a parent has PARENT.
 */
export interface Uevent {
  readonly action: UeventAction;
  /** The device's full name, `<modname>.<name>.<id>`. */
  readonly device: string;
  readonly env: Readonly<Record<string, string>>;
}

/** makeUevent: the event for `action` on `adev`; `driver` names the driver on bind/unbind. */
export function makeUevent(
  action: UeventAction,
  adev: AuxiliaryDevice,
  seqnum: number,
  driver?: string,
): Uevent {
  const env: Record<string, string> = {
    ACTION: action,
    SUBSYSTEM: 'auxiliary',
    MODALIAS: adev.modalias,
    SEQNUM: String(seqnum),
  };
  if (driver !== undefined) env.DRIVER = driver;
  if (adev.parent !== undefined) env.PARENT = adev.parent;
  return { action, device: adev.devName, env };
}
