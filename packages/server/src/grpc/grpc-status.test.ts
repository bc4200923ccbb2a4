import { AuxError, Errno, type ErrnoName } from '@auxctl/prm';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composeMiddleware, type Middleware } from './call-context.js';
import { grpcFailureOf } from './grpc-status.js';

describe('grpcFailureOf', () => {
  it('maps the errnos of DESIGN §6', () => {
    const cases: [ErrnoName, status][] = [
      ['EINVAL', status.INVALID_ARGUMENT],
      ['EMSGSIZE', status.INVALID_ARGUMENT],
      ['EPERM', status.PERMISSION_DENIED],
      ['EKEYREJECTED', status.UNAUTHENTICATED],
      ['ENODEV', status.UNAVAILABLE],
      ['ENOENT', status.NOT_FOUND],
      ['EBUSY', status.RESOURCE_EXHAUSTED],
      ['ENOSPC', status.RESOURCE_EXHAUSTED],
      ['ETIMEDOUT', status.DEADLINE_EXCEEDED],
      ['EOPNOTSUPP', status.UNIMPLEMENTED],
      ['EBADMSG', status.PERMISSION_DENIED],
      ['E2BIG', status.INVALID_ARGUMENT],
      ['ENOPKG', status.FAILED_PRECONDITION],
      ['ENOTTY', status.FAILED_PRECONDITION],
    ];
    for (const [code, want] of cases) {
      const f = grpcFailureOf(new AuxError(code, 'what to do'));
      expect([code, f.code, f.details]).toEqual([code, want, `${code}: what to do`]);
    }
  });

  it('never sends anything of an unexpected error', () => {
    fc.assert(
      fc.property(fc.string(), fc.anything(), (message, thrown) => {
        for (const err of [new Error(message), new TypeError(message), thrown]) {
          if (err instanceof AuxError) continue;
          const f = grpcFailureOf(err);
          expect(f).toEqual({
            code: status.INTERNAL,
            details: 'internal error',
            errno: undefined,
            unexpected: true,
          });
        }
      }),
    );
  });

  it('gives every errno a status and keeps the message', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(Errno) as ErrnoName[])),
        fc.string(),
        (code, m) => {
          const f = grpcFailureOf(new AuxError(code, m));
          expect(f.unexpected).toBe(false);
          expect(f.details).toBe(`${code}: ${m}`);
          expect(status[f.code]).toBeDefined();
        },
      ),
    );
  });
});

describe('composeMiddleware', () => {
  it('runs middleware outermost first and unwinds in reverse', async () => {
    const trace: string[] = [];
    const mw =
      (name: string): Middleware =>
      async (ctx, next) => {
        trace.push(`>${name}`);
        try {
          await next(ctx);
        } finally {
          trace.push(`<${name}`);
        }
      };
    const chain = composeMiddleware([mw('a'), mw('b')]);
    const ctx = {} as Parameters<typeof chain>[0];
    const run = () =>
      chain(ctx, async () => {
        trace.push('handler');
        throw new AuxError('EPERM', 'no');
      });
    await expect(run()).rejects.toMatchObject({ code: 'EPERM' });
    expect(trace).toEqual(['>a', '>b', 'handler', '<b', '<a']);
    trace.length = 0;
    await expect(run()).rejects.toMatchObject({ code: 'EPERM' });
    expect(trace).toEqual(['>a', '>b', 'handler', '<b', '<a']);
  });

  it('turns a synchronous throw of a plain middleware into a rejection', async () => {
    const trace: string[] = [];
    const check: Middleware = (ctx, next) => {
      if (ctx.method === 'denied') throw new AuxError('EPERM', 'no');
      return next(ctx);
    };
    const chain = composeMiddleware([check]);
    const handler = async () => {
      trace.push('handler');
    };
    const pending = chain({ method: 'denied' } as Parameters<typeof chain>[0], handler);
    await expect(pending).rejects.toMatchObject({ code: 'EPERM' });
    await chain({ method: 'ok' } as Parameters<typeof chain>[0], handler);
    expect(trace).toEqual(['handler']);
  });
});
