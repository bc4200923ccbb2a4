import { describe, expect, it } from 'vitest';
import { AuxError, isAuxError } from './errors.js';

describe('AuxError', () => {
  it('carries an errno code that isAuxError matches', () => {
    const e = new AuxError('EBUSY', 'busy');
    expect(e.errno).toBe(16);
    expect(isAuxError(e, 'EBUSY')).toBe(true);
    expect(isAuxError(e, 'EINVAL')).toBe(false);
    expect(isAuxError(new Error('x'))).toBe(false);
  });
});
