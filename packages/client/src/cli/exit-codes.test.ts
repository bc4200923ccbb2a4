import { describe, expect, it } from 'vitest';
import { AuxctlError } from '../auxctl-error.js';
import { CliError, ExitCode, errorCodeOf, exitCodeOf, usageError } from './exit-codes.js';

describe('exit codes', () => {
  it('classify AuxctlError codes by what failed', () => {
    const cases: [string, number][] = [
      ['UNAVAILABLE', ExitCode.CONNECTION],
      ['UNAUTHENTICATED', ExitCode.CONNECTION],
      ['DEADLINE_EXCEEDED', ExitCode.CONNECTION],
      ['PERMISSION_DENIED', ExitCode.PERMISSION],
      ['EPERM', ExitCode.PERMISSION],
      ['NOT_FOUND', ExitCode.NOT_FOUND],
      ['ENODEV', ExitCode.NOT_FOUND],
      ['ENOENT', ExitCode.NOT_FOUND],
      ['INTERNAL', ExitCode.REMOTE],
      ['EIO', ExitCode.REMOTE],
      ['UNIMPLEMENTED', ExitCode.REMOTE],
    ];
    for (const [code, exit] of cases)
      expect(exitCodeOf(new AuxctlError(code, 'x')), code).toBe(exit);
  });

  it('CliError keeps its own code; anything else is REMOTE', () => {
    expect(exitCodeOf(usageError('bad'))).toBe(ExitCode.USAGE);
    expect(errorCodeOf(usageError('bad'))).toBe('USAGE');
    expect(exitCodeOf(new CliError(ExitCode.CONNECTION, 'ENOENT', 'no host'))).toBe(2);
    expect(exitCodeOf(new Error('boom'))).toBe(ExitCode.REMOTE);
    expect(errorCodeOf('boom')).toBe('UNKNOWN');
  });
});
