import { Readable } from 'node:stream';
import { type ClientReadableStream, status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { serverStream } from './server-stream.js';

/** FakeCall: a server stream as grpc-js gives it (object mode, cancel() ends it with CANCELLED). */
function fakeCall(messages: number[], failWith?: { code: number; details: string }) {
  let cancels = 0;
  let sent = 0;
  const r = new Readable({
    objectMode: true,
    read() {
      if (sent < messages.length) this.push(messages[sent++]);
      else if (failWith) this.destroy(Object.assign(new Error(failWith.details), failWith));
      // else: stays open, as a watch does, until cancelled
    },
  });
  const call = Object.assign(r, {
    cancel() {
      cancels++;
      if (!r.destroyed) {
        r.destroy(Object.assign(new Error('Cancelled'), { code: status.CANCELLED }));
      }
    },
  });
  return { call: call as unknown as ClientReadableStream<number>, cancels: () => cancels };
}

const fail = (e: unknown): Error => new Error(`failed: ${(e as Error).message}`);

describe('serverStream', () => {
  it('yields the messages in order and cancels the call when the loop stops', async () => {
    const { call, cancels } = fakeCall([1, 2, 3]);
    const got: number[] = [];
    for await (const m of serverStream(call, { fail, quietOnAbort: false })) {
      got.push(m);
      if (got.length === 2) break;
    }
    expect(got).toEqual([1, 2]);
    expect(cancels()).toBeGreaterThan(0);
  });

  it('ends with fail(error) when the call fails', async () => {
    const { call } = fakeCall([1], { code: status.NOT_FOUND, details: 'no vf' });
    const got: number[] = [];
    const run = async () => {
      for await (const m of serverStream(call, { fail, quietOnAbort: true })) got.push(m);
    };
    await expect(run()).rejects.toThrow('failed: no vf');
    expect(got).toEqual([1]);
  });

  it('an abort ends the iteration quietly with quietOnAbort, with fail(CANCELLED) without', async () => {
    for (const quietOnAbort of [true, false]) {
      const { call, cancels } = fakeCall([1]);
      const ac = new AbortController();
      const got: number[] = [];
      const run = async () => {
        for await (const m of serverStream(call, { fail, signal: ac.signal, quietOnAbort })) {
          got.push(m);
          ac.abort();
        }
      };
      if (quietOnAbort) await expect(run()).resolves.toBeUndefined();
      else await expect(run()).rejects.toThrow('failed: Cancelled');
      expect(got).toEqual([1]);
      expect(cancels()).toBeGreaterThan(0);
    }
  });

  it('a signal that aborted before the call cancels it at once', async () => {
    const { call, cancels } = fakeCall([1, 2]);
    const ac = new AbortController();
    ac.abort();
    const got: number[] = [];
    for await (const m of serverStream(call, { fail, signal: ac.signal, quietOnAbort: true })) {
      got.push(m);
    }
    expect(got).toEqual([]);
    expect(cancels()).toBeGreaterThan(0);
  });
});
