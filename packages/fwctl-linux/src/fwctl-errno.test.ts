import { AuxError, Errno, type ErrnoName } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auxErrnoOf,
  FWCTL_DOCUMENTED_ERRNOS,
  fwctlErrnoMeaning,
  fwctlError,
  kernelErrnoOf,
  NEAREST_ERRNO,
} from './fwctl-errno.js';

describe('fwctl errnos', () => {
  it('every errno fwctl documents has a sentence of its own, and is a core errno name', () => {
    const meanings = FWCTL_DOCUMENTED_ERRNOS.map(fwctlErrnoMeaning);
    expect(new Set(meanings).size).toBe(FWCTL_DOCUMENTED_ERRNOS.length);
    for (const [i, name] of FWCTL_DOCUMENTED_ERRNOS.entries()) {
      expect(meanings[i]).not.toContain('no particular meaning');
      expect(auxErrnoOf(name)).toBe(name);
    }
    expect(fwctlErrnoMeaning('ENOTTY')).toContain('not an fwctl device');
    expect(fwctlErrnoMeaning('EXDEV')).toBe(
      'EXDEV: fwctl documents no particular meaning for this errno',
    );
  });

  it('auxErrnoOf: always a core name; itself when core has it, else the nearest, else EIO', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constantFrom(...Object.keys(Errno), ...Object.keys(NEAREST_ERRNO)),
          fc.string(),
        ),
        (name) => {
          const code = auxErrnoOf(name);
          expect(Object.hasOwn(Errno, code)).toBe(true);
          if (Object.hasOwn(Errno, name)) expect(code).toBe(name);
          else expect(code).toBe(Object.hasOwn(NEAREST_ERRNO, name) ? NEAREST_ERRNO[name] : 'EIO');
        },
      ),
    );
    expect([auxErrnoOf('EACCES'), auxErrnoOf('ENXIO'), auxErrnoOf('toString')]).toEqual([
      'EPERM',
      'ENODEV',
      'EIO',
    ]);
  });

  it('fwctlError names the call, where, the exact errno and its meaning', () => {
    const e = fwctlError('EACCES', 'open', '/dev/fwctl/fwctl0');
    expect(e).toBeInstanceOf(AuxError);
    expect(e.code).toBe('EPERM');
    expect(e.detail).toEqual({ kernelErrno: 'EACCES', call: 'open' });
    expect(e.message).toBe(
      `open on /dev/fwctl/fwctl0 failed with EACCES: ${fwctlErrnoMeaning('EACCES')}`,
    );
    expect(fwctlError('E2BIG', 'FWCTL_RPC', undefined, 'x').message).toMatch(
      /^FWCTL_RPC failed with E2BIG: .* \(x\)$/,
    );
    expect(kernelErrnoOf(e)).toBe('EACCES');
    expect(kernelErrnoOf(new AuxError('EIO' as ErrnoName, 'plain'))).toBe('EIO');
    expect(kernelErrnoOf(new Error('no'))).toBeUndefined();
  });
});
