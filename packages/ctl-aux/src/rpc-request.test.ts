import {
  AuxError,
  CmdHdrIn,
  FwctlScope,
  isFwctlScope,
  MAX_CMD_BYTES,
  OPCODES,
  Op,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRpcRequest, RPC_CHECK_ERRNOS } from './rpc-request.js';

import { REJECTED_OPCODES, requiredScope, SCOPE_TABLE } from './scope-table.js';

const opcodes = fc.oneof(
  fc.constantFrom(...SCOPE_TABLE.map((r) => r.opcode)),
  fc.constantFrom(...REJECTED_OPCODES.map((r) => r.opcode)),
  fc.constantFrom(...OPCODES.map((o) => o.opcode)),
  fc.integer({ min: 0, max: 0xffff }),
);
const scopes = fc.oneof(
  fc.integer({ min: -2, max: 6 }),
  fc.constantFrom(0.5, Number.NaN, '1', null, undefined),
);

function head(opcode: number, opMod: number, bytes = 16): Buffer {
  const b = Buffer.alloc(bytes);
  CmdHdrIn.write(b, { opcode, op_mod: opMod });
  return b;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    if (!(e instanceof AuxError)) throw e;
    return e.code;
  }
}

describe('checkRpcRequest', () => {
  it('never throws anything but its errnos, for any request shape', () => {
    fc.assert(
      fc.property(
        fc.anything(),
        fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.anything()),
        fc.oneof(fc.integer(), fc.double(), fc.anything()),
        fc.boolean(),
        (scope, inbox, outLen, rawio) => {
          const code = codeOf(() => checkRpcRequest({ scope, inbox, outLen }, rawio));
          if (code !== undefined) expect(RPC_CHECK_ERRNOS).toContain(code);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('allows exactly the opcodes whose scope is at most the requested one', () => {
    fc.assert(
      fc.property(
        opcodes,
        fc.integer({ min: 0, max: 0xffff }),
        scopes,
        fc.boolean(),
        (opcode, opMod, scope, rawio) => {
          const code = codeOf(() =>
            checkRpcRequest({ scope, inbox: head(opcode, opMod, 64), outLen: 64 }, rawio),
          );
          const needed = requiredScope(opcode, opMod);
          if (!isFwctlScope(scope)) expect(code).toBe('EOPNOTSUPP');
          else if (scope === FwctlScope.DEBUG_WRITE_FULL && !rawio) expect(code).toBe('EPERM');
          else if (needed === undefined || needed > scope) expect(code).toBe('EPERM');
          else expect(code).toBeUndefined();
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('checks sizes first: EMSGSIZE above the largest command, EINVAL below a header', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_CMD_BYTES + 64 }),
        fc.integer({ min: -10, max: MAX_CMD_BYTES + 64 }),
        scopes,
        (inLen, outLen, scope) => {
          const inbox = Buffer.alloc(inLen);
          if (inLen >= 16) CmdHdrIn.set(inbox, 'opcode', Op.NOP);
          const code = codeOf(() => checkRpcRequest({ scope, inbox, outLen }, true));
          if (inLen > MAX_CMD_BYTES || outLen > MAX_CMD_BYTES) expect(code).toBe('EMSGSIZE');
          else if (inLen < 16 || outLen < 16) expect(code).toBe('EINVAL');
          else if (!isFwctlScope(scope)) expect(code).toBe('EOPNOTSUPP');
          else if (scope < FwctlScope.DEBUG_READ_ONLY) expect(code).toBe('EPERM');
          else expect(code).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses any bit of reserved_at_20 for every opcode, and nothing in the command-specific half for unknown layouts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 32, max: 47 }), fc.integer({ min: 64, max: 127 }), (rb, cb) => {
        const a = head(Op.QUERY_VPORT_STATE, 0); // no layout in core: only reserved_at_20 is checked
        a[rb >> 3]! |= 0x80 >> (rb & 7);
        expect(codeOf(() => checkRpcRequest({ scope: 1, inbox: a, outLen: 16 }, false))).toBe(
          'EINVAL',
        );
        const b = head(Op.QUERY_VPORT_STATE, 0);
        b[cb >> 3]! |= 0x80 >> (cb & 7);
        expect(codeOf(() => checkRpcRequest({ scope: 1, inbox: b, outLen: 16 }, false))).toBe(
          undefined,
        );
      }),
    );
  });

  it('names the reserved field it refused and reports what it saw', () => {
    const inbox = head(Op.DEALLOC_PD, 0);
    inbox[8] = 0xff; // dealloc_pd_in.reserved_at_40 (8 bits before pd)
    try {
      checkRpcRequest({ scope: 1, inbox, outLen: 16 }, false);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({
        code: 'EINVAL',
        detail: { opcode: Op.DEALLOC_PD, opMod: 0, inLen: 16, outLen: 16, scope: 1 },
      });
      expect((e as Error).message).toMatch(/dealloc_pd_in\.reserved_at_40/);
    }
    inbox[8] = 0;
    inbox[9] = 0xff; // pd: the command's own field
    expect(checkRpcRequest({ scope: 1, inbox, outLen: 16 }, false).opcode).toBe(Op.DEALLOC_PD);
  });

  it("tells a raw CREATE_UMEM / DESTROY_UMEM caller which umem calls to use: its own, or the embedder's", () => {
    const message = (opcode: number, umemCalls?: string): string => {
      try {
        checkRpcRequest({ scope: 3, inbox: head(opcode, 0), outLen: 16 }, true, umemCalls);
      } catch (e) {
        expect((e as AuxError).code).toBe('EPERM');
        return (e as Error).message;
      }
      return expect.unreachable();
    };
    for (const op of [Op.CREATE_UMEM, Op.DESTROY_UMEM]) {
      expect(message(op)).toContain("register user memory with the context's umemReg / umemUnreg");
      const remote = message(op, 'the Session messages umem_reg / umem_unreg');
      expect(remote).toContain(
        'register user memory with the Session messages umem_reg / umem_unreg',
      );
      expect(remote).not.toContain('umemReg');
    }
    // Other refusals keep their own reason.
    expect(message(Op.CREATE_UCTX, 'the Session messages')).not.toContain('Session');
  });
});
