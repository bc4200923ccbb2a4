import { isAuxError } from '@auxctl/prm';
import { CtlServiceService, ExecRequest, SessionRequest } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { grpcFailureOf } from './grpc-status.js';
import {
  guardedDeserializer,
  guardService,
  requestOf,
  transportReceiveLimit,
  UnreadableRequest,
} from './request-guard.js';

const decodeExec = (b: Buffer) => ExecRequest.decode(b);

describe('guardedDeserializer', () => {
  it('never throws: any bytes are a message or an UnreadableRequest', () => {
    const guarded = guardedDeserializer(decodeExec, 1024, 'ExecRequest');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const out = guarded(Buffer.from(bytes));
        if (out instanceof UnreadableRequest) {
          expect(isAuxError(out.error)).toBe(true);
          expect(bytes.length > 1024 ? 'EBUSY' : 'EINVAL').toBe(out.error.code);
        } else {
          expect(bytes.length).toBeLessThanOrEqual(1024);
          expect(() => requestOf(out)).not.toThrow();
        }
      }),
    );
  });

  it('reads a valid message as the plain deserializer does', () => {
    const msg = { device: '0000:08:00.0', scope: 1, inbox: Buffer.from([1, 2]), outLen: 16 };
    const bytes = Buffer.from(ExecRequest.encode(ExecRequest.fromPartial(msg)).finish());
    const out = requestOf(guardedDeserializer(decodeExec, 1024, 'ExecRequest')(bytes));
    expect(out).toMatchObject({ device: '0000:08:00.0', outLen: 16 });
  });

  it('turns a truncated message into INVALID_ARGUMENT and an oversize one into RESOURCE_EXHAUSTED', () => {
    const guarded = guardedDeserializer(decodeExec, 8, 'ExecRequest');
    const bad = (b: Buffer) => {
      try {
        requestOf(guarded(b));
      } catch (err) {
        return grpcFailureOf(err);
      }
      throw new Error('expected a refusal');
    };
    expect(bad(Buffer.from([0x0a, 0x05]))).toMatchObject({ code: 3, errno: 'EINVAL' });
    expect(bad(Buffer.alloc(9))).toMatchObject({ code: 8, errno: 'EBUSY' });
  });
});

describe('guardService', () => {
  it('guards every method and keeps the rest of each definition', () => {
    const guarded = guardService(CtlServiceService, 64);
    for (const [name, m] of Object.entries(guarded)) {
      const orig = CtlServiceService[name as keyof typeof CtlServiceService];
      expect(m.path).toBe(orig.path);
      expect(m.responseSerialize).toBe(orig.responseSerialize);
      expect(m.requestDeserialize(Buffer.from([0x0a, 0x05]))).toBeInstanceOf(UnreadableRequest);
    }
    const open = SessionRequest.encode(
      SessionRequest.fromPartial({ kind: { $case: 'open', open: { device: 'd', scope: 1 } } }),
    ).finish();
    expect(guarded.session.requestDeserialize(Buffer.from(open))).toMatchObject({
      kind: { $case: 'open' },
    });
  });

  it('sets the transport limit above its own, so oversize messages reach the guard', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 << 20 }), (max) => {
        expect(transportReceiveLimit(max)).toBeGreaterThan(max);
      }),
    );
  });
});
