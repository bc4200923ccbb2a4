import { EventEmitter } from 'node:events';
import { silentLogger } from '@auxctl/core';
import { type handleUnaryCall, Metadata, type sendUnaryData, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { type CallContext, composeMiddleware } from './call-context.js';
import { unary } from './handler-adapters.js';

class FakeCall extends EventEmitter {
  cancelled = false;
  readonly metadata = new Metadata();
  constructor(readonly request: string) {
    super();
  }
  getPeer(): string {
    return '127.0.0.1:1';
  }
  getAuthContext(): object {
    return {};
  }
  cancel(): void {
    this.cancelled = true;
    this.emit('cancelled');
  }
}

/** call: run `handler` as a unary handler on `fake`; resolves what grpc-js would send. */
function call(
  handler: handleUnaryCall<string, string>,
  fake: FakeCall,
): Promise<{ err: { code?: number } | null; res?: string | null }> {
  return new Promise((resolve) => {
    const cb: sendUnaryData<string> = (err, res) => resolve({ err, res });
    handler(fake as unknown as Parameters<typeof handler>[0], cb);
  });
}

const env = { chain: composeMiddleware([]), log: silentLogger };

describe('unary adapter cancellation', () => {
  it('makes no signal and listens for nothing when the handler never asks', async () => {
    const fake = new FakeCall('ping');
    let listeners = -1;
    const h = unary<string, string>(env, 'test/Unary', async (req, ctx) => {
      listeners = fake.listenerCount('cancelled');
      expect(ctx.cancel.aborted).toBe(false);
      return `${req}-pong`;
    });
    expect(await call(h, fake)).toEqual({ err: null, res: 'ping-pong' });
    expect(listeners).toBe(0);
  });

  it('aborts the signal when the client cancels, and stops listening when the call ends', async () => {
    const fake = new FakeCall('x');
    let seen: AbortSignal | undefined;
    const h = unary<string, string>(env, 'test/Unary', async (_req, ctx: CallContext) => {
      seen = ctx.cancel.signal;
      expect(fake.listenerCount('cancelled')).toBe(1);
      await new Promise<void>((resolve) => {
        seen?.addEventListener('abort', () => resolve(), { once: true });
        fake.cancel();
      });
      expect(ctx.cancel.aborted).toBe(true);
      throw new Error('unreachable for the client');
    });
    const r = await call(h, fake);
    expect(seen?.aborted).toBe(true);
    expect(r.err?.code).toBe(status.INTERNAL);
    expect(fake.listenerCount('cancelled')).toBe(0);
  });

  it('gives an aborted signal when the call was cancelled before it was asked for', async () => {
    const fake = new FakeCall('x');
    fake.cancelled = true;
    const h = unary<string, string>(env, 'test/Unary', async (_req, ctx) => {
      expect(ctx.cancel.signal.aborted).toBe(true);
      return 'done';
    });
    expect((await call(h, fake)).res).toBe('done');
    expect(fake.listenerCount('cancelled')).toBe(0);
  });

  it('never aborts a signal after a normal end (grpc-js reports "cancelled" when the stream closes)', async () => {
    const fake = new FakeCall('x');
    let seen: AbortSignal | undefined;
    const h = unary<string, string>(env, 'test/Unary', async (_req, ctx) => {
      seen = ctx.cancel.signal;
      return 'ok';
    });
    await call(h, fake);
    fake.cancel();
    expect(seen?.aborted).toBe(false);
  });
});
