import { buildInbox } from '@auxctl/core';
import { AuxError, CmdHdrOut, CmdStatus, NopIn, OPCODES, Op } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errorStatusLabel,
  OTHER_OPCODE,
  opcodeLabel,
  outboxStatusLabel,
} from './fw-command-labels.js';

const OPCODE_NAMES = new Set<string>([...OPCODES.map((o) => o.name), OTHER_OPCODE]);
const STATUS_NAMES = new Set<string>([...Object.keys(CmdStatus), 'UNKNOWN']);

describe('firmware command labels', () => {
  it('names a known opcode from the table', () => {
    expect(opcodeLabel(buildInbox(NopIn, Op.NOP))).toBe('NOP');
  });

  it('reads the opcode of an inbox that is a view into a larger buffer', () => {
    const big = Buffer.alloc(64);
    buildInbox(NopIn, Op.NOP).copy(big, 8);
    expect(opcodeLabel(big.subarray(8, 24))).toBe('NOP');
  });

  it('maps short inboxes and unknown opcodes to "other"', () => {
    expect(opcodeLabel(Buffer.alloc(3))).toBe(OTHER_OPCODE);
    const inbox = Buffer.alloc(16);
    inbox.writeUInt16BE(0x7ffe, 0);
    expect(opcodeLabel(inbox)).toBe(OTHER_OPCODE);
  });

  it('names the outbox status, UNKNOWN for values outside the table', () => {
    const out = Buffer.alloc(16);
    CmdHdrOut.set(out, 'status', CmdStatus.BAD_PARAM);
    expect(outboxStatusLabel(out)).toBe('BAD_PARAM');
    CmdHdrOut.set(out, 'status', 0x77);
    expect(outboxStatusLabel(out)).toBe('UNKNOWN');
    expect(outboxStatusLabel(Buffer.alloc(4))).toBe('UNKNOWN');
  });

  it('labels errors by errno, anything else as EIO', () => {
    expect(errorStatusLabel(new AuxError('EPERM', 'no'))).toBe('EPERM');
    expect(errorStatusLabel(new Error('boom'))).toBe('EIO');
    expect(errorStatusLabel('text')).toBe('EIO');
  });

  it('never produces a label outside the fixed sets, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        expect(OPCODE_NAMES.has(opcodeLabel(bytes))).toBe(true);
        expect(STATUS_NAMES.has(outboxStatusLabel(bytes))).toBe(true);
      }),
    );
  });
});
