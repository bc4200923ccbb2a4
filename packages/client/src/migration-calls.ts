/**
 * MigrationCalls: MigrationService as `client.migration` — a VF's live
 * state out of its source (Save, a server stream), into a destination
 * (Load, a client stream honouring flow control), and the end of a save
 * (Finish: commit or abort). Errors are AuxctlErrors.
 */
import type {
  LoadRequest,
  LoadResponse,
  MigrationState,
  SaveRequest,
  SaveResponse,
} from '@auxctl/proto/migration';
import { cancelOnAbort, serverStream } from './server-stream.js';
import type { Callback, UnaryCalls } from './unary-calls.js';

/** MigrationCalls: see the module header. */
export class MigrationCalls {
  constructor(private readonly calls: UnaryCalls) {}

  /**
   * save: a VF's save stream (progress, data, trailer) until it ends;
   * `signal` cancels it (the source VF then runs again).
   */
  async *save(
    request: Partial<SaveRequest> & { vf: string },
    signal?: AbortSignal,
  ): AsyncGenerator<SaveResponse, void, undefined> {
    const migration = await this.calls.service('migration');
    const call = migration.save({ precopyRounds: 0, chunkBytes: 0, leaseMs: 0, ...request });
    yield* serverStream<SaveResponse>(call, {
      fail: (e) => this.calls.failure(e, 'Save'),
      signal,
      quietOnAbort: false,
    });
  }

  /**
   * load: write `messages` (header, data, trailer) as one Load stream,
   * honouring the transport's flow control; resolves with the VF's state
   * once it runs. `signal` cancels the stream (the VF is then reset), also
   * one that aborted before the call: then no message is pulled.
   */
  async load(messages: AsyncIterable<LoadRequest>, signal?: AbortSignal): Promise<LoadResponse> {
    const migration = await this.calls.service('migration');
    return new Promise((resolve, reject) => {
      let answered = false;
      let release = (): void => {};
      const call = migration.load((err, res) => {
        answered = true;
        release();
        if (err) reject(this.calls.failure(err, 'Load'));
        else resolve(res as LoadResponse);
      });
      release = cancelOnAbort(call, signal);
      // The destination answered early (a refusal), or the caller cancelled: pull no more.
      const over = (): boolean => answered || signal?.aborted === true;
      if (over()) return;
      void (async () => {
        try {
          for await (const m of messages) {
            if (over()) return;
            if (!call.write(m)) {
              // Wait for room, or for the call to end (its status) while waiting.
              await new Promise<void>((r) => {
                const go = (): void => {
                  call.off('drain', go);
                  call.off('status', go);
                  r();
                };
                call.once('drain', go);
                call.once('status', go);
              });
            }
          }
          if (!over()) call.end();
        } catch {
          // The source failed: cancelling makes the destination drop what it got.
          call.cancel();
        }
      })();
    });
  }

  /** finish: end a completed save: commit (the source is reset) or abort (it runs again). */
  async finish(vf: string, commit: boolean): Promise<MigrationState> {
    const res = await this.calls.on(
      'migration',
      'Finish',
      (s, md, o, cb: Callback<{ state: MigrationState }>) => s.finish({ vf, commit }, md, o, cb),
    );
    return res.state;
  }

  /** state: a VF's migration state and driver. */
  state(vf: string): Promise<{ state: MigrationState; driver: string }> {
    return this.calls.on('migration', 'GetState', (s, md, o, cb) => s.getState({ vf }, md, o, cb));
  }
}
