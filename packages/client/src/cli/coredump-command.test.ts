import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dumpPathFor, hostDirName, progressEnabled } from './coredump-command.js';
import { memoryIo } from './test-support/memory-io.js';

describe('coredump paths and progress', () => {
  it('a host becomes exactly one safe path segment', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (host) => {
        const seg = hostDirName(host);
        expect(seg).toMatch(/^[A-Za-z0-9._-]+$/);
        expect(seg).not.toBe('.');
        expect(seg).not.toBe('..');
      }),
    );
    expect(hostDirName('10.0.0.1:9339')).toBe('10.0.0.1_9339');
    expect(hostDirName('[::1]:9339')).toBe('___1__9339');
  });

  it('one host writes FILE; fan-out writes DIR/<host>/NAME', () => {
    expect(dumpPathFor('out/core.bin', undefined)).toBe('out/core.bin');
    expect(dumpPathFor('out/core.bin', 'h1:9339')).toBe(join('out', 'h1_9339', 'core.bin'));
    expect(dumpPathFor('core.bin', 'h2')).toBe(join('h2', 'core.bin'));
  });

  it('draws a bar only for one host, without --json, on a terminal with a progress stream', () => {
    const io = { ...memoryIo(), isTTY: true, progressStream: process.stderr };
    expect(progressEnabled(io, false, false)).toBe(true);
    expect(progressEnabled(io, true, false)).toBe(false);
    expect(progressEnabled(io, false, true)).toBe(false);
    expect(progressEnabled({ ...io, isTTY: false }, false, false)).toBe(false);
    expect(progressEnabled(memoryIo(), false, false)).toBe(false);
  });
});
