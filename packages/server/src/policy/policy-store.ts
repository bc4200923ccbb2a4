/**
 * PolicyStore: the live policy of a running server, loaded from a file and
 * reloaded when the file changes or when asked (the server calls `reload()`
 * on SIGHUP).
 *
 * The directory, not the file, is watched: editors and config managers
 * replace a file by writing a temporary one and renaming it over the old,
 * and Kubernetes swaps a `..data` symlink; a watch on the file itself would
 * go deaf after the first such write. An event naming the file, a
 * Kubernetes `..` entry (`..data`, `..data_tmp`, the timestamped directory)
 * or no name at all schedules one debounced re-read; unchanged text is a
 * no-op. Events of other files are ignored: the audit log often shares the
 * directory, and its writes would otherwise cost a timer each and, coming
 * faster than the debounce, put a policy change off for as long as calls
 * keep coming. A new file that fails to
 * read or validate never replaces the last good policy: the error goes to
 * the log and to `onReload`, and requests keep being decided by the old one.
 *
 * Owns: the file, the watcher and the current Policy. Never: serves a
 * half-read or invalid policy, or keeps the process alive (timers and the
 * watcher are unref'd; `close()` stops them).
 */
import { type FSWatcher, watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { type Logger, printable, silentLogger } from '@auxctl/core';
import { AuxError, isAuxError } from '@auxctl/prm';
import { Policy, type PolicyDecision, type PolicyRequest } from './policy.js';
import { POLICY_LIMITS } from './policy-document.js';
import type { PolicyParseOptions } from './policy-parser.js';

/** PolicyReloadResult: what one reload attempt did. */
export type PolicyReloadResult =
  | { readonly ok: true; readonly changed: boolean; readonly generation: number }
  | { readonly ok: false; readonly error: AuxError; readonly generation: number };

/** PolicyStoreOptions: where the policy lives and how changes are noticed. */
export interface PolicyStoreOptions extends PolicyParseOptions {
  readonly path: string;
  readonly logger?: Logger;
  /** Quiet time after the last directory event before re-reading (default 100 ms). */
  readonly debounceMs?: number;
  /** Watch the directory for changes (default true). */
  readonly watch?: boolean;
  /** Called after every reload attempt, successful or not. */
  readonly onReload?: (result: PolicyReloadResult) => void;
}

async function readPolicy(
  path: string,
  options: PolicyParseOptions,
): Promise<{ text: string; policy: Policy }> {
  let text: string;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new AuxError('EINVAL', `policy ${path} is not a regular file`);
    text = st.size > POLICY_LIMITS.fileBytes ? '' : await readFile(path, 'utf8');
    // Checked again after reading: the file may have grown in between.
    const size = Math.max(st.size, Buffer.byteLength(text));
    if (size > POLICY_LIMITS.fileBytes) {
      throw new AuxError(
        'EINVAL',
        `policy ${path} is ${size} bytes; the limit is ${POLICY_LIMITS.fileBytes}`,
      );
    }
  } catch (err) {
    if (isAuxError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : 'EIO';
    const why = err instanceof Error ? err.message : printable(err);
    throw new AuxError(code, `policy ${path} could not be read: ${why}`, undefined, { cause: err });
  }
  try {
    return { text, policy: Policy.parse(text, options) };
  } catch (err) {
    if (!isAuxError(err)) throw err;
    throw new AuxError(err.code, `${path}: ${err.message}`, err.detail, { cause: err });
  }
}

/** PolicyStore: the current policy, kept in step with its file. */
export class PolicyStore {
  private current: Policy;
  private text: string;
  private gen = 1;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly log: Logger;

  private constructor(
    private readonly opts: PolicyStoreOptions,
    first: { text: string; policy: Policy },
  ) {
    this.current = first.policy;
    this.text = first.text;
    this.log = opts.logger ?? silentLogger;
  }

  /** open: load `path` (ENOENT / EINVAL / EIO if it cannot be used) and start watching. */
  static async open(opts: PolicyStoreOptions): Promise<PolicyStore> {
    const path = resolve(opts.path);
    const store = new PolicyStore({ ...opts, path }, await readPolicy(path, opts));
    store.log.info({ path, generation: store.gen }, 'policy loaded');
    if (opts.watch !== false) store.startWatching();
    return store;
  }

  /** policy: the policy in force. */
  get policy(): Policy {
    return this.current;
  }

  /** generation: 1 for the first load, +1 for each change that took effect. */
  get generation(): number {
    return this.gen;
  }

  /** evaluate: decide `req` with the policy in force. */
  evaluate(req: PolicyRequest): PolicyDecision {
    return this.current.evaluate(req);
  }

  /** reload: re-read the file now; a bad file keeps the last good policy. Never rejects. */
  reload(): Promise<PolicyReloadResult> {
    // Serialized so that a slow earlier read can never overwrite a newer one.
    const next = this.chain.then(() => this.reloadNow());
    this.chain = next;
    return next;
  }

  /** close: stop watching; the last policy stays readable. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
  }

  private async reloadNow(): Promise<PolicyReloadResult> {
    const path = this.opts.path;
    let result: PolicyReloadResult;
    try {
      const next = await readPolicy(path, this.opts);
      const changed = next.text !== this.text;
      if (changed) {
        this.current = next.policy;
        this.text = next.text;
        this.gen++;
        this.log.info({ path, generation: this.gen }, 'policy reloaded');
      }
      result = { ok: true, changed, generation: this.gen };
    } catch (err) {
      const error = isAuxError(err)
        ? err
        : new AuxError('EIO', `policy ${path}: ${printable(err)}`);
      this.log.error(
        { path, generation: this.gen, code: error.code, err: error.message },
        'policy reload failed; keeping the last good policy',
      );
      result = { ok: false, error, generation: this.gen };
    }
    try {
      this.opts.onReload?.(result);
    } catch (err) {
      this.log.error({ err }, 'policy onReload callback threw');
    }
    return result;
  }

  private startWatching(): void {
    const dir = dirname(this.opts.path);
    const name = basename(this.opts.path);
    this.watcher = watch(dir, { persistent: false }, (_event, changed) => {
      if (concernsPolicy(changed, name)) this.schedule();
    });
    this.watcher.on('error', (err) => {
      this.log.error(
        { dir, file: name, err: err.message },
        'policy directory watch failed; use reload()',
      );
    });
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.closed) void this.reload();
    }, this.opts.debounceMs ?? 100);
    this.timer.unref();
  }
}

/** concernsPolicy: whether a directory event naming `changed` may change the file `name` (see the module header). */
function concernsPolicy(changed: string | Buffer | null, name: string): boolean {
  if (changed === null) return true;
  const entry = changed.toString();
  return entry === name || entry.startsWith('..');
}
