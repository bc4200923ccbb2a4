/**
 * MigrationService: a VF's live state from one auxctld to another over
 * gRPC — the VMM's part of vfio migration v2 for remote operators.
 *
 * Every method acts on a VF of a PF whose source can migrate it
 * (ServedDevice.migration): the caller must be allowed the method on the
 * PF at the DEBUG_WRITE_FULL scope (the policy's check, audited by the
 * authorization middleware); each save, load and finish is audited again
 * with its outcome and sizes. A VF takes one migration at a time (EBUSY).
 *
 * SAVE streams progress, the state in `chunk_bytes` pieces (written as the
 * transport takes them) and a trailer with the SHA-256 of every data byte.
 * A save that fails or is cancelled runs the VF again at once; one that
 * completes leaves it stopped, waiting for Finish at most `lease_ms`
 * before it runs again by itself. LOAD reads the header, data and trailer;
 * the device sees the end of the data only once the trailer's size and
 * SHA-256 match what arrived, so a truncated or altered stream is refused
 * (INVALID_ARGUMENT) with the VF reset and nothing of it loaded.
 *
 * Owns: the per-VF claims and leases, chunking, checksums, the audit lines.
 * Never: migration state of its own (the source's MigrationFunctions is the truth).
 */
import { createHash } from 'node:crypto';
import type { Logger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import {
  type FinishRequest,
  type FinishResponse,
  type GetStateRequest,
  type GetStateResponse,
  type LoadRequest,
  type LoadResponse,
  type MigrationServiceServer,
  MigrationState,
  migrationStateFromJSON,
  SavePhase,
  type SaveRequest,
  type SaveResponse,
} from '@auxctl/proto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { DeviceSources } from '../devices/device-sources.js';
import type { CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, clientStream, serverStream, unary } from '../grpc/handler-adapters.js';
import { SERVER_DEFAULTS } from '../server-options.js';
import type { MigrationFunctions, ServedDevice } from '../sources/device-source.js';
import { deviceChanges } from './audited-change.js';
import { loadReader } from './migration-stream.js';
import { authorizedFind } from './served-target.js';

const SERVICE = 'auxctl.v1.MigrationService';
const SCOPE = 'DEBUG_WRITE_FULL';
const LINES = { ok: 'vf migration step done', failed: 'vf migration step failed' };
/** Defaults and bounds of a save's chunk size and lease. */
export const MIGRATION_LIMITS = {
  defaultChunkBytes: 256 * 1024,
  minChunkBytes: 4096,
  // A migrator hands each chunk on as one Load message (the chunk and a few bytes of
  // framing), which the destination refuses above its message limit (1 MiB by default).
  maxChunkBytes: SERVER_DEFAULTS.limits.maxMessageBytes - 1024,
  defaultLeaseMs: 30_000,
  maxLeaseMs: 600_000,
  maxPrecopyRounds: 64,
} as const;

interface Pf {
  readonly device: ServedDevice;
  readonly migration: MigrationFunctions;
}

/** Claim: a VF with a migration under way, or a completed save waiting for Finish. */
interface Claim {
  readonly pf: Pf;
  waiting?: NodeJS.Timeout;
}

/** migrationServiceImpl: the MigrationService handlers. */
export function migrationServiceImpl(
  env: AdapterEnv,
  devices: DeviceSources,
  audit: Logger,
): MigrationServiceServer {
  const claims = new Map<string, Claim>();
  const pfs = (): Pf[] =>
    devices
      .devices()
      .flatMap((device) => (device.migration ? [{ device, migration: device.migration }] : []));
  /** pfOf: the PF holding VF `bdf`, once the caller may use it at DEBUG_WRITE_FULL. */
  const pfOf = (ctx: CallContext, bdf: string): Pf =>
    authorizedFind(
      ctx,
      SCOPE,
      pfs().find((p) => p.migration.has(bdf)),
      () => pfs().map((p) => p.device.name),
      `no migratable VF ${bdf} here (see auxctl vf list)`,
    );
  const claim = (bdf: string, pf: Pf): Claim => {
    if (claims.has(bdf)) {
      throw new AuxError('EBUSY', `VF ${bdf} has a migration under way; finish it first`);
    }
    const c: Claim = { pf };
    claims.set(bdf, c);
    return c;
  };
  const step = deviceChanges(audit, 'migration', LINES);
  /** rollback: run the source VF again (a completed save whose lease expired). */
  const rollback = async (bdf: string, c: Claim, why: string): Promise<void> => {
    try {
      await c.pf.migration.finish(bdf, false);
      audit.warn(
        { event: 'migration', device: c.pf.device.name, vf: bdf, why },
        'source VF runs again',
      );
    } catch (err) {
      env.log.error({ err, vf: bdf }, 'running the source VF again failed');
    }
  };

  return {
    save: serverStream<SaveRequest, SaveResponse>(env, `${SERVICE}/Save`, async (call, ctx) => {
      const req = call.request;
      const pf = pfOf(ctx, req.vf);
      const o = saveOptions(req);
      const c = claim(req.vf, pf);
      try {
        // A save that stops early (failure, cancel) runs the VF again itself (MigrationFunctions.save).
        const sent = await step(ctx, pf.device.name, 'save', { vf: req.vf, ...o }, () =>
          streamSave(call, ctx, pf.migration, req.vf, o),
        );
        audit.info(
          { event: 'migration', device: pf.device.name, vf: req.vf, ...sent },
          'vf state saved; waiting for Finish',
        );
      } catch (err) {
        claims.delete(req.vf);
        throw err;
      }
      c.waiting = setTimeout(() => {
        if (claims.get(req.vf) !== c) return;
        claims.delete(req.vf);
        void rollback(req.vf, c, `no Finish within ${o.leaseMs} ms`);
      }, o.leaseMs);
      c.waiting.unref();
    }),
    load: clientStream<LoadRequest, LoadResponse>(env, `${SERVICE}/Load`, async (call, ctx) => {
      const reader = loadReader(call as AsyncIterable<LoadRequest>);
      const header = await reader.header();
      const pf = pfOf(ctx, header);
      claim(header, pf);
      try {
        await step(ctx, pf.device.name, 'load', { vf: header }, () =>
          pf.migration.load(header, reader.data()),
        );
        return {
          state: wireState((await pf.migration.state(header)).state),
          bytes: reader.bytes,
        };
      } finally {
        claims.delete(header);
      }
    }),
    finish: unary<FinishRequest, FinishResponse>(env, `${SERVICE}/Finish`, async (req, ctx) => {
      const pf = pfOf(ctx, req.vf);
      const c = claims.get(req.vf);
      if (!c?.waiting) {
        throw new AuxError('ENOENT', `VF ${req.vf} has no completed save waiting for Finish`);
      }
      clearTimeout(c.waiting);
      claims.delete(req.vf);
      await step(ctx, pf.device.name, req.commit ? 'commit' : 'abort', { vf: req.vf }, () =>
        pf.migration.finish(req.vf, req.commit),
      );
      return { state: wireState((await pf.migration.state(req.vf)).state) };
    }),
    getState: unary<GetStateRequest, GetStateResponse>(
      env,
      `${SERVICE}/GetState`,
      async (req, ctx) => {
        const s = await pfOf(ctx, req.vf).migration.state(req.vf);
        return { state: wireState(s.state), driver: s.driver };
      },
    ),
  };
}

interface SaveOptions {
  readonly precopyRounds: number;
  readonly chunkBytes: number;
  readonly leaseMs: number;
}

/** saveOptions: a SaveRequest's options with defaults; EINVAL out of bounds. */
export function saveOptions(req: SaveRequest): SaveOptions {
  const L = MIGRATION_LIMITS;
  const chunkBytes = req.chunkBytes || L.defaultChunkBytes;
  const leaseMs = req.leaseMs || L.defaultLeaseMs;
  if (chunkBytes < L.minChunkBytes || chunkBytes > L.maxChunkBytes) {
    throw new AuxError('EINVAL', `chunk_bytes must be ${L.minChunkBytes}..${L.maxChunkBytes}`);
  }
  if (leaseMs > L.maxLeaseMs)
    throw new AuxError('EINVAL', `lease_ms must be at most ${L.maxLeaseMs}`);
  if (req.precopyRounds > L.maxPrecopyRounds) {
    throw new AuxError('EINVAL', `precopy_rounds must be at most ${L.maxPrecopyRounds}`);
  }
  return { precopyRounds: req.precopyRounds, chunkBytes, leaseMs };
}

/** streamSave: write the save's progress, data and trailer; the sizes sent. */
async function streamSave(
  call: ServerWritableStream<SaveRequest, SaveResponse>,
  ctx: CallContext,
  m: MigrationFunctions,
  vf: string,
  o: SaveOptions,
): Promise<{ totalBytes: number; stopCopyBytes: number }> {
  const hash = createHash('sha256');
  let total = 0;
  let stopCopy = 0;
  let phase: 'pre-copy' | 'stop-copy' = 'pre-copy';
  const cancelled = () => new AuxError('ECANCELED', 'the client cancelled the save');
  /** write: send `msg`, waiting for room; ECANCELED once the client went away. */
  const write = (msg: SaveResponse): Promise<void> => {
    if (ctx.cancel.aborted) throw cancelled();
    if (call.write(msg)) return Promise.resolve();
    const signal = ctx.cancel.signal;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        call.off('drain', done);
        signal.removeEventListener('abort', done);
        if (signal.aborted) reject(cancelled());
        else resolve();
      };
      call.once('drain', done);
      signal.addEventListener('abort', done, { once: true });
    });
  };
  for await (const ev of m.save(vf, {
    precopyRounds: o.precopyRounds,
    signal: ctx.cancel.signal,
  })) {
    if (ev.type === 'progress') {
      phase = ev.phase;
      await write({
        kind: {
          $case: 'progress',
          progress: {
            phase:
              ev.phase === 'pre-copy'
                ? SavePhase.SAVE_PHASE_PRE_COPY
                : SavePhase.SAVE_PHASE_STOP_COPY,
            round: ev.round,
            bytes: total,
            remainingBytes: Number(ev.remaining),
          },
        },
      });
      continue;
    }
    for (let at = 0; at < ev.data.length; at += o.chunkBytes) {
      const part = ev.data.subarray(at, at + o.chunkBytes);
      hash.update(part);
      total += part.length;
      if (phase === 'stop-copy') stopCopy += part.length;
      await write({ kind: { $case: 'data', data: part } });
    }
  }
  await write({
    kind: {
      $case: 'trailer',
      trailer: { sha256: hash.digest(), totalBytes: total, stopCopyBytes: stopCopy },
    },
  });
  return { totalBytes: total, stopCopyBytes: stopCopy };
}

function wireState(name: string): MigrationState {
  const s = migrationStateFromJSON(`MIGRATION_STATE_${name}`);
  return s === MigrationState.UNRECOGNIZED ? MigrationState.MIGRATION_STATE_UNSPECIFIED : s;
}
