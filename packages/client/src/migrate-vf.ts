/**
 * migrateVf: move a VF's live state from one auxctld to another — Save on
 * the source piped into Load on the destination as it arrives, then Finish
 * on the source.
 *
 * Downtime is what a workload on the VF sees: from the source's stop-copy
 * (the VF stopped) until the destination answered that it runs the VF.
 * Any failure rolls back: a save still streaming is cancelled (the source
 * runs again), a completed one is aborted with Finish(commit = false), and
 * the destination, whose Load was cancelled or refused, is left reset.
 * The error reported is the first one (the source's, when it failed).
 *
 * Owns: the pipe and the timings. Never: retries (a migration is not idempotent).
 */
import {
  type LoadRequest,
  SavePhase,
  type SaveResponse,
  type SaveTrailer,
} from '@auxctl/proto/migration';
import type { AuxctlClient } from './auxctl-client.js';
import { AuxctlError } from './auxctl-error.js';

/** MigrateProgress: a phase change or finished pre-copy round of the source. */
export interface MigrateProgress {
  readonly phase: 'pre-copy' | 'stop-copy';
  readonly round: number;
  /** Bytes sent so far. */
  readonly bytes: number;
  /** The source's estimate of what is left. */
  readonly remainingBytes: number;
}

/** MigrateOptions: the VFs and how to move them. */
export interface MigrateOptions {
  /** The source VF's PCI address (on `from`). */
  readonly vf: string;
  /** The destination VF's PCI address (on `to`). */
  readonly toVf: string;
  readonly precopyRounds?: number;
  readonly chunkBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: MigrateProgress) => void;
}

/** MigrateResult: what moved and how long it took. */
export interface MigrateResult {
  readonly bytes: number;
  readonly stopCopyBytes: number;
  /** ms from the source's stop-copy to the destination running. */
  readonly downtimeMs: number;
  /** ms from the first request to the source's commit. */
  readonly totalMs: number;
  readonly precopyRounds: number;
}

/** migrateVf: see the module header. */
export async function migrateVf(
  from: AuxctlClient,
  to: AuxctlClient,
  o: MigrateOptions,
): Promise<MigrateResult> {
  const t0 = performance.now();
  const abort = new AbortController();
  const onOuterAbort = (): void => abort.abort();
  o.signal?.addEventListener('abort', onOuterAbort, { once: true });
  let stoppedAt: number | undefined;
  let trailer: SaveTrailer | undefined;
  let sourceError: unknown;
  let rounds = 0;
  const save = from.migration.save(
    { vf: o.vf, precopyRounds: o.precopyRounds ?? 0, chunkBytes: o.chunkBytes ?? 0 },
    abort.signal,
  );
  // The source answers first (its refusals come before the destination is touched).
  let first: IteratorResult<SaveResponse>;
  try {
    first = await save.next();
  } catch (err) {
    o.signal?.removeEventListener('abort', onOuterAbort);
    throw err;
  }
  async function* messages(): AsyncGenerator<SaveResponse> {
    if (first.done) return;
    yield first.value;
    yield* save;
  }
  async function* forward(): AsyncGenerator<LoadRequest> {
    yield { kind: { $case: 'header', header: { vf: o.toVf } } };
    try {
      for await (const m of messages()) {
        const k = m.kind;
        if (k?.$case === 'data') {
          yield { kind: { $case: 'data', data: k.data } };
        } else if (k?.$case === 'progress') {
          const stop = k.progress.phase === SavePhase.SAVE_PHASE_STOP_COPY;
          if (stop) stoppedAt ??= performance.now();
          else rounds = Math.max(rounds, k.progress.round);
          o.onProgress?.({
            phase: stop ? 'stop-copy' : 'pre-copy',
            round: k.progress.round,
            bytes: k.progress.bytes,
            remainingBytes: k.progress.remainingBytes,
          });
        } else if (k?.$case === 'trailer') {
          trailer = k.trailer;
          const { sha256, totalBytes } = k.trailer;
          yield { kind: { $case: 'trailer', trailer: { sha256, totalBytes } } };
        }
      }
    } catch (err) {
      sourceError = err;
      throw err;
    }
    if (!trailer) {
      sourceError = new AuxctlError('INTERNAL', `the save of ${o.vf} ended without its trailer`);
      throw sourceError;
    }
  }
  try {
    await to.migration.load(forward(), abort.signal);
  } catch (err) {
    abort.abort();
    if (trailer) await from.migration.finish(o.vf, false).catch(() => undefined);
    throw sourceError ?? err;
  } finally {
    o.signal?.removeEventListener('abort', onOuterAbort);
  }
  const running = performance.now();
  await from.migration.finish(o.vf, true);
  const t = trailer as SaveTrailer;
  return {
    bytes: t.totalBytes,
    stopCopyBytes: t.stopCopyBytes,
    downtimeMs: running - (stoppedAt ?? t0),
    totalMs: performance.now() - t0,
    precopyRounds: rounds,
  };
}
