import { GuestProgram } from '@auxctl/proto';
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from './exit-codes.js';
import { parseProgram, startRequest } from './guest-command.js';

describe('guest start flags', () => {
  it('property: --program takes flow or echo in any case and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (t) => {
        const name = t.trim().toLowerCase();
        if (name === 'flow' || name === 'echo') expect(parseProgram(t)).toBe(name);
        else expect(() => parseProgram(t)).toThrow(InvalidArgumentError);
      }),
    );
    expect(parseProgram(' FLOW ')).toBe('flow');
  });

  it('property: a flow needs --peer, an echo takes none; memory goes on the wire in bytes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('flow' as const, 'echo' as const),
        fc.option(fc.constant('02:00:00:00:0b:01'), { nil: undefined }),
        fc.integer({ min: 1, max: 256 }),
        (program, peer, memoryMib) => {
          const o = { program, memoryMib, ...(peer !== undefined && { peer }) };
          if ((program === 'flow') !== (peer !== undefined)) {
            expect(() => startRequest('0000:08:00.2', o)).toThrow(CliError);
            return;
          }
          expect(startRequest('0000:08:00.2', o)).toEqual({
            vf: '0000:08:00.2',
            program:
              program === 'flow'
                ? GuestProgram.GUEST_PROGRAM_FLOW
                : GuestProgram.GUEST_PROGRAM_ECHO,
            memoryBytes: memoryMib * 1024 * 1024,
            peerMac: peer ?? '',
          });
        },
      ),
    );
  });
});
