/**
 * SriovNumVfs: what a write of a PF's `sriov_numvfs` means (the kernel's
 * `sriov_numvfs_store`), as data.
 *
 * INPUT (`parseNumVfs`, like `kstrtou16(buf, 0)`): an unsigned number,
 * decimal, `0x` hex or `0` octal, an optional leading `+` and one trailing
 * newline; junk is EINVAL, a value above 65535 is ERANGE. A JavaScript
 * number must be an integer (EINVAL) in 0..65535 (ERANGE).
 *
 * RULES (`NUMVFS_RULES`, first match wins; each row says where it is from)
 *   requested > sriov_totalvfs          ERANGE
 *   requested = current                 nothing to do (success)
 *   no driver bound to the PF           ENOENT
 *   the driver has no sriov_configure   ENOENT
 *   requested = 0                       disable: sriov_configure(0)
 *   VFs already enabled                 EBUSY (disable before enabling another count)
 *   otherwise                           enable: sriov_configure(requested)
 *
 * Owns: input syntax and the decision. Never: runs the driver's hook (the
 * PCI bus does, with the PF locked).
 */
import { AuxError, type ErrnoName } from '@auxctl/prm';

/** NumVfsWrite: the facts a decision reads. */
export interface NumVfsWrite {
  readonly requested: number;
  readonly current: number;
  readonly totalVfs: number;
  /** The bound driver's name, or undefined. */
  readonly driver: string | undefined;
  readonly hasConfigure: boolean;
}

/** NumVfsOutcome: what to do. */
export type NumVfsOutcome = 'unchanged' | 'disable' | 'enable';

/** NumVfsRule: one row: when it applies, and the outcome or the refusal. */
export interface NumVfsRule {
  readonly name: string;
  readonly when: (w: NumVfsWrite) => boolean;
  readonly outcome?: NumVfsOutcome;
  readonly errno?: ErrnoName;
  readonly why?: (w: NumVfsWrite) => string;
}

/** NUMVFS_RULES: see the module header (drivers/pci/iov.c `sriov_numvfs_store`). */
export const NUMVFS_RULES: readonly NumVfsRule[] = [
  {
    name: 'above-total',
    when: (w) => w.requested > w.totalVfs,
    errno: 'ERANGE',
    why: (w) => `${w.requested} VFs requested; sriov_totalvfs is ${w.totalVfs}`,
  },
  { name: 'same-count', when: (w) => w.requested === w.current, outcome: 'unchanged' },
  {
    name: 'no-driver',
    when: (w) => w.driver === undefined,
    errno: 'ENOENT',
    why: () => 'no driver bound to the PF; cannot configure SR-IOV',
  },
  {
    name: 'no-configure',
    when: (w) => !w.hasConfigure,
    errno: 'ENOENT',
    why: (w) => `driver ${w.driver} does not support SR-IOV configuration via sriov_numvfs`,
  },
  { name: 'disable', when: (w) => w.requested === 0, outcome: 'disable' },
  {
    name: 'already-enabled',
    when: (w) => w.current !== 0,
    errno: 'EBUSY',
    why: (w) => `${w.current} VFs already enabled; write 0 before enabling ${w.requested} VFs`,
  },
  { name: 'enable', when: () => true, outcome: 'enable' },
];

/** decideNumVfs: the outcome of `w` by NUMVFS_RULES; throws the refusing row's AuxError. */
export function decideNumVfs(w: NumVfsWrite): NumVfsOutcome {
  const rule = NUMVFS_RULES.find((r) => r.when(w))!;
  if (rule.errno) throw new AuxError(rule.errno, rule.why?.(w) ?? rule.name, { rule: rule.name });
  return rule.outcome!;
}

const NUM_RE = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\n?$/;

/** parseNumVfs: a `sriov_numvfs` write as a count (see INPUT in the module header). */
export function parseNumVfs(input: unknown): number {
  let n: number;
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0) {
      throw new AuxError('EINVAL', `sriov_numvfs takes an unsigned integer, not ${input}`);
    }
    n = input;
  } else if (typeof input === 'string' && NUM_RE.test(input)) {
    const digits = input.replace(/^\+/, '').replace(/\n$/, '');
    const hex = /^0[xX]/.test(digits);
    const octal = !hex && digits.length > 1 && digits.startsWith('0');
    n = hex ? Number.parseInt(digits.slice(2), 16) : Number.parseInt(digits, octal ? 8 : 10);
  } else {
    throw new AuxError('EINVAL', 'sriov_numvfs takes a number such as 4 (or 0 to disable)');
  }
  if (n > 0xffff) throw new AuxError('ERANGE', `${n} does not fit sriov_numvfs (0..65535)`);
  return n;
}
