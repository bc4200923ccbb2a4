/**
 * VFIO_DEVICE_FEATURE: the feature indices, the GET / SET / PROBE flags,
 * and the checks vfio core makes before any feature runs, as rules.
 *
 *   flags = feature index (bits 0-15) | GET 1<<16 | SET 1<<17 | PROBE 1<<18
 *
 * Header rules (`checkFeatureHeader`, every feature), in order:
 *   1. a bit outside the index, GET, SET and PROBE        EINVAL
 *   2. GET and SET together without PROBE                 EINVAL
 * Per-feature rules (`checkFeature`, with the operations the feature has
 * and the size of its argument struct), in order:
 *   3. GET or SET the feature does not have               EINVAL
 *   4. PROBE (with any operations it has)                 answered: supported
 *   5. neither GET nor SET                                EINVAL
 *   6. data shorter than the feature's struct (argsz)     EINVAL
 * A feature the device does not have at all is ENOTTY (the caller's rule:
 * no migration ops, no log ops, an unknown index).
 *
 * Owns: the numbering and these rules. Never: what a feature does.
 */
import { AuxError } from '@auxctl/prm';

/** VfioFeature: `VFIO_DEVICE_FEATURE_*` indices. */
export const VfioFeature = {
  PCI_VF_TOKEN: 0,
  MIGRATION: 1,
  MIG_DEVICE_STATE: 2,
  LOW_POWER_ENTRY: 3,
  LOW_POWER_ENTRY_WITH_WAKEUP: 4,
  LOW_POWER_EXIT: 5,
  DMA_LOGGING_START: 6,
  DMA_LOGGING_STOP: 7,
  DMA_LOGGING_REPORT: 8,
  MIG_DATA_SIZE: 9,
} as const;

/** FeatureFlag: the operation bits of `vfio_device_feature.flags`. */
export const FeatureFlag = {
  MASK: 0xffff,
  GET: 1 << 16,
  SET: 1 << 17,
  PROBE: 1 << 18,
} as const;

const KNOWN = FeatureFlag.MASK | FeatureFlag.GET | FeatureFlag.SET | FeatureFlag.PROBE;

/** featureIndex: the feature `flags` names. */
export function featureIndex(flags: number): number {
  return flags & FeatureFlag.MASK;
}

/** checkFeatureHeader: rules 1-2 of the module header; EINVAL. */
export function checkFeatureHeader(flags: number): void {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffff_ffff) {
    throw new AuxError('EINVAL', `feature flags must be a u32, got ${flags}`);
  }
  if ((flags & ~KNOWN) !== 0) {
    throw new AuxError('EINVAL', `unknown feature flag bits 0x${(flags & ~KNOWN).toString(16)}`);
  }
  const get = (flags & FeatureFlag.GET) !== 0;
  const set = (flags & FeatureFlag.SET) !== 0;
  if (get && set && !(flags & FeatureFlag.PROBE)) {
    throw new AuxError('EINVAL', 'GET and SET together are only allowed with PROBE');
  }
}

/**
 * checkFeature: rules 3-6 for a feature that has the operations in `ops`
 * (GET and/or SET bits) and an argument struct of `minBytes`; `'probe'`
 * when the call was a PROBE (answered, nothing to run), else `'run'`.
 */
export function checkFeature(
  flags: number,
  dataBytes: number,
  ops: number,
  minBytes: number,
  name: string,
): 'probe' | 'run' {
  const asked = flags & (FeatureFlag.GET | FeatureFlag.SET);
  if ((asked & ~ops) !== 0) {
    const op = asked & ~ops & FeatureFlag.GET ? 'GET' : 'SET';
    throw new AuxError('EINVAL', `${name} has no ${op}`);
  }
  if (flags & FeatureFlag.PROBE) return 'probe';
  if (asked === 0) throw new AuxError('EINVAL', `${name}: ask for GET or SET (or PROBE)`);
  if (dataBytes < minBytes) {
    throw new AuxError('EINVAL', `${name} takes ${minBytes} bytes of data, got ${dataBytes}`);
  }
  return 'run';
}
