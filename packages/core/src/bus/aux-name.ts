/**
 * AuxName: the naming rules of the auxiliary bus.
 *
 * A device is called `<modname>.<name>.<id>` (`mlx5_core.eth.0`); drivers
 * match on the part before the last `.` (`mlx5_core.eth`), and userspace
 * autoloading keys on the modalias `auxiliary:<modname>.<name>`. Matching
 * cuts at the last `.`, so a `.` inside `modname` or `name` would make two
 * different devices look alike; the parts are therefore restricted to
 * `[A-Za-z0-9_-]` and the id to a canonical decimal u32 (no sign, no
 * leading zero), which makes every valid name parse back to exactly the
 * parts it was made from.
 *
 * Owns: validation, formatting and parsing of names. Never: keeps state.
 */
import { AuxError } from '@auxctl/prm';
import { printable } from '../printable.js';

/** MODALIAS_PREFIX: what every auxiliary modalias starts with. */
export const MODALIAS_PREFIX = 'auxiliary:';

/** AUX_NAME_PART_MAX: the longest modname or name accepted. */
export const AUX_NAME_PART_MAX = 64;

/** AUX_ID_MAX: the largest device id (the kernel's id is a u32). */
export const AUX_ID_MAX = 0xffff_ffff;

const PART = /^[A-Za-z0-9_-]+$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** AuxDeviceName: the three parts of a device name. */
export interface AuxDeviceName {
  readonly modname: string;
  readonly name: string;
  readonly id: number;
}

/** checkNamePart: throws EINVAL unless `part` may be a modname or name. */
export function checkNamePart(what: 'modname' | 'name', part: unknown): asserts part is string {
  if (typeof part !== 'string' || part.length === 0) {
    throw new AuxError('EINVAL', `${what} must be a non-empty string`);
  }
  if (part.length > AUX_NAME_PART_MAX || !PART.test(part)) {
    throw new AuxError(
      'EINVAL',
      `${what} '${printable(part)}' is invalid: use 1-${AUX_NAME_PART_MAX} characters of [A-Za-z0-9_-] (a '.' would break matching)`,
    );
  }
}

/** checkId: throws EINVAL unless `id` is an integer in 0..AUX_ID_MAX. */
export function checkId(id: unknown): asserts id is number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > AUX_ID_MAX) {
    throw new AuxError(
      'EINVAL',
      `id ${printable(id)} is invalid: use an integer in 0..${AUX_ID_MAX}`,
    );
  }
}

/** formatDeviceName: `<modname>.<name>.<id>`; throws EINVAL on an invalid part. */
export function formatDeviceName(parts: AuxDeviceName): string {
  checkNamePart('modname', parts.modname);
  checkNamePart('name', parts.name);
  checkId(parts.id);
  return `${parts.modname}.${parts.name}.${parts.id}`;
}

/** formatMatchName: `<modname>.<name>`, the string an idTable entry names. */
export function formatMatchName(modname: string, name: string): string {
  checkNamePart('modname', modname);
  checkNamePart('name', name);
  return `${modname}.${name}`;
}

/** parseDeviceName: the parts of `<modname>.<name>.<id>`; throws EINVAL otherwise. */
export function parseDeviceName(full: unknown): AuxDeviceName {
  if (typeof full !== 'string') throw new AuxError('EINVAL', 'a device name must be a string');
  const parts = full.split('.');
  if (parts.length !== 3) {
    throw new AuxError(
      'EINVAL',
      `device name '${printable(full)}' is invalid: expected <modname>.<name>.<id>`,
    );
  }
  const [modname, name, idText] = parts as [string, string, string];
  checkNamePart('modname', modname);
  checkNamePart('name', name);
  if (!DECIMAL.test(idText)) {
    throw new AuxError(
      'EINVAL',
      `device name '${printable(full)}' is invalid: the id must be decimal without leading zeros`,
    );
  }
  const id = Number(idText);
  checkId(id);
  return { modname, name, id };
}

/** parseMatchName: the parts of `<modname>.<name>` (an idTable entry); throws EINVAL otherwise. */
export function parseMatchName(match: unknown): { modname: string; name: string } {
  if (typeof match !== 'string') throw new AuxError('EINVAL', 'a match name must be a string');
  const parts = match.split('.');
  if (parts.length !== 2) {
    throw new AuxError(
      'EINVAL',
      `match name '${printable(match)}' is invalid: expected <modname>.<name>`,
    );
  }
  const [modname, name] = parts as [string, string];
  checkNamePart('modname', modname);
  checkNamePart('name', name);
  return { modname, name };
}

/**
 * matchNameOf: a device name up to its last `.`, the string drivers match
 * against (like the kernel's strrchr cut); undefined when there is no `.`.
 */
export function matchNameOf(deviceName: string): string | undefined {
  const dot = deviceName.lastIndexOf('.');
  return dot <= 0 ? undefined : deviceName.slice(0, dot);
}

/** modaliasOf: `auxiliary:<modname>.<name>` for a match name. */
export function modaliasOf(matchName: string): string {
  return `${MODALIAS_PREFIX}${matchName}`;
}

/** parseModalias: the match name inside `auxiliary:<modname>.<name>`; throws EINVAL otherwise. */
export function parseModalias(modalias: unknown): string {
  if (typeof modalias !== 'string' || !modalias.startsWith(MODALIAS_PREFIX)) {
    throw new AuxError(
      'EINVAL',
      `modalias '${printable(modalias)}' is invalid: expected ${MODALIAS_PREFIX}<modname>.<name>`,
    );
  }
  const match = modalias.slice(MODALIAS_PREFIX.length);
  parseMatchName(match);
  return match;
}
