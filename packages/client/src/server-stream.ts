/**
 * serverStream: a grpc-js server-streaming call as an async generator, the
 * shape AuxctlClient gives its streams (WatchDevices, a migration's Save).
 *
 * Stopping the iteration (break, return, throw in the loop) cancels the
 * call, and so does `signal` (also one that aborted before the call). An
 * error of the call ends the iteration with `fail(error)`; a cancellation
 * by `signal` ends it quietly instead when `quietOnAbort` is set.
 *
 * Never: leaves the call running after the generator is done, or lets a
 * late status become an uncaught 'error' event.
 */
import { type ClientReadableStream, status } from '@grpc/grpc-js';

/** ServerStreamOptions: how a stream ends. */
export interface ServerStreamOptions {
  /** fail: the error the iteration ends with when the call fails. */
  fail(error: unknown): Error;
  signal?: AbortSignal | undefined;
  /** quietOnAbort: a cancellation by `signal` ends the iteration without an error. */
  quietOnAbort: boolean;
}

/**
 * cancelOnAbort: cancel `call` when `signal` aborts, and at once when it
 * already has; returns what stops listening, for when the call has ended.
 * Every stream of the client wires its signal through this.
 */
export function cancelOnAbort(
  call: { cancel(): void },
  signal: AbortSignal | undefined,
): () => void {
  if (!signal) return () => {};
  const onAbort = (): void => call.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) call.cancel();
  return () => signal.removeEventListener('abort', onAbort);
}

/** serverStream: see the module header. */
export async function* serverStream<T>(
  call: ClientReadableStream<T>,
  o: ServerStreamOptions,
): AsyncGenerator<T, void, undefined> {
  call.on('error', () => {}); // surfaced by the iterator below
  const release = cancelOnAbort(call, o.signal);
  try {
    for await (const m of call) yield m as T;
  } catch (e) {
    const cancelled = (e as { code?: number }).code === status.CANCELLED;
    if (!(o.quietOnAbort && cancelled && o.signal?.aborted)) throw o.fail(e);
  } finally {
    release();
    call.cancel();
  }
}
