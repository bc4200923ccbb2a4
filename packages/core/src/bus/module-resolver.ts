/**
 * ModuleResolver: autoloading drivers, the bus's modprobe.
 *
 * When a device is added and no registered driver matches it, the bus hands
 * the device's modalias (`auxiliary:<modname>.<name>`) to a resolver, which
 * returns the driver(s) to register, typically by importing the package that
 * provides them. `moduleResolver` builds such a resolver from an alias table
 * (modalias -> module specifier), like modules.alias.
 *
 * A module found this way must export its driver as `auxiliaryDriver`
 * (`AUX_DRIVER_EXPORT`): one driver or an array of drivers.
 *
 * Owns: the alias table and the import. Never: registers drivers (the bus
 * does, and logs a resolver's failure instead of failing the add).
 */
import { AuxError } from '@auxctl/prm';
import { parseModalias } from './aux-name.js';
import type { AuxiliaryDriver } from './auxiliary-driver.js';

/** AuxDriverResolver: modalias -> the driver(s) to register, or undefined when none is known. */
export type AuxDriverResolver = (
  modalias: string,
) => Promise<AuxiliaryDriver | readonly AuxiliaryDriver[] | undefined>;

/** AUX_DRIVER_EXPORT: the named export a driver module provides. */
export const AUX_DRIVER_EXPORT = 'auxiliaryDriver';

/** ModuleImporter: loads a module by specifier (default: a dynamic `import()`). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/**
 * moduleResolver: a resolver over `aliases` (modalias -> module specifier).
 *
 * Specifiers are imported as by `import()` from this file, so use package
 * names or absolute `file:` URLs; pass `importer` to resolve them relative to
 * your own module instead (`(s) => import(s)` written there).
 *
 * Throws EINVAL at once for a key that is not `auxiliary:<modname>.<name>` or
 * an empty specifier (nothing to undo). The resolver returns undefined for an
 * unknown modalias and rejects with ENOENT when the module cannot be imported
 * or lacks the `auxiliaryDriver` export.
 */
export function moduleResolver(
  aliases: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
  importer: ModuleImporter = (specifier) => import(specifier),
): AuxDriverResolver {
  const table = new Map<string, string>(
    aliases instanceof Map ? aliases : Object.entries(aliases as Record<string, string>),
  );
  for (const [modalias, specifier] of table) {
    parseModalias(modalias);
    if (typeof specifier !== 'string' || specifier.length === 0) {
      throw new AuxError('EINVAL', `alias ${modalias}: the module specifier must be non-empty`);
    }
  }
  return async (modalias) => {
    const specifier = table.get(modalias);
    if (specifier === undefined) return undefined;
    let mod: unknown;
    try {
      mod = await importer(specifier);
    } catch (err) {
      throw new AuxError(
        'ENOENT',
        `cannot import '${specifier}' for ${modalias}: install the package or fix the alias`,
        { modalias, specifier },
        { cause: err },
      );
    }
    const exported =
      typeof mod === 'object' && mod !== null
        ? (mod as Record<string, unknown>)[AUX_DRIVER_EXPORT]
        : undefined;
    if (exported === undefined) {
      throw new AuxError(
        'ENOENT',
        `module '${specifier}' for ${modalias} has no '${AUX_DRIVER_EXPORT}' export`,
        { modalias, specifier },
      );
    }
    return exported as AuxiliaryDriver | readonly AuxiliaryDriver[];
  };
}
