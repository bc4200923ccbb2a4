/**
 * readKernelTaint: whether the running kernel carries the fwctl taint.
 *
 * An fwctl RPC at scope DEBUG_WRITE or DEBUG_WRITE_FULL taints the kernel
 * once, system-wide, with TAINT_FWCTL: bit 19 of the mask in
 * /proc/sys/kernel/tainted, letter 'J' in oops reports. The mask is a
 * decimal unsigned long; a daemon can report it so that whoever reads a
 * crash knows that user space reached the firmware with write access.
 *
 * Owns: reading and parsing the mask. Never: writes to /proc.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { hostFileError } from './fwctl-errno.js';

/** TAINT_FWCTL_BIT: the taint bit fwctl sets (TAINT_FWCTL). */
export const TAINT_FWCTL_BIT = 19;
/** TAINT_FWCTL_LETTER: how oops reports show TAINT_FWCTL. */
export const TAINT_FWCTL_LETTER = 'J';

/** KernelTaint: the whole mask and the fwctl bit of it. */
export interface KernelTaint {
  readonly mask: bigint;
  readonly fwctl: boolean;
}

const U64_MAX = (1n << 64n) - 1n;

/** parseTaintMask: the mask from the text of /proc/sys/kernel/tainted; EINVAL unless a decimal u64. */
export function parseTaintMask(text: string): bigint {
  const m = /^([0-9]{1,20})\n?$/.exec(text);
  const mask = m ? BigInt(m[1]!) : undefined;
  if (mask === undefined || mask > U64_MAX) {
    throw new AuxError('EINVAL', `kernel taint: expected a decimal mask, got ${printable(text)}`);
  }
  return mask;
}

/** taintOf: the KernelTaint of a mask. */
export function taintOf(mask: bigint): KernelTaint {
  return { mask, fwctl: ((mask >> BigInt(TAINT_FWCTL_BIT)) & 1n) === 1n };
}

/** readKernelTaint: `<procRoot>/sys/kernel/tainted` (procRoot default /proc). */
export async function readKernelTaint(procRoot = '/proc'): Promise<KernelTaint> {
  const path = join(procRoot, 'sys', 'kernel', 'tainted');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw hostFileError(e, path, 'is procfs mounted?');
  }
  return taintOf(parseTaintMask(text));
}
