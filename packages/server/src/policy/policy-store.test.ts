import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PolicyReloadResult, PolicyStore } from './policy-store.js';

const EXEC = 'auxctl.v1.CtlService/Exec';
const req = { principal: 'alice', method: EXEC, device: '0000:08:00.0' };
const allowing = (who: string) =>
  JSON.stringify({ version: 1, allow: [{ principals: [who], methods: ['*'], devices: ['*'] }] });

/** Reload results in arrival order, awaited with a bounded timeout. */
class Reloads {
  private readonly queue: PolicyReloadResult[] = [];
  private waiter: ((r: PolicyReloadResult) => void) | undefined;
  readonly push = (r: PolicyReloadResult): void => {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(r);
    else this.queue.push(r);
  };
  /** next: the next result that `accept` takes (others are skipped), within `ms`. */
  async next(accept: (r: PolicyReloadResult) => boolean = () => true, ms = 5000) {
    const deadline = AbortSignal.timeout(ms);
    for (;;) {
      const r =
        this.queue.shift() ??
        (await new Promise<PolicyReloadResult>((resolve, reject) => {
          this.waiter = resolve;
          deadline.addEventListener('abort', () => reject(new Error('no policy reload seen')));
        }));
      if (accept(r)) return r;
    }
  }
}

let dir: string;
let file: string;
let store: PolicyStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'auxctl-policy-'));
  file = join(dir, 'policy.json');
  await writeFile(file, allowing('alice'));
});

afterEach(async () => {
  store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

// An in-place write may be seen half done (truncated) before it is seen whole.
const applied = (r: PolicyReloadResult) => r.ok && r.changed;
const refused = (pattern: RegExp) => (r: PolicyReloadResult) =>
  !r.ok && pattern.test(r.error.message);

describe('PolicyStore', () => {
  it('loads the file and refuses a missing or invalid one', async () => {
    store = await PolicyStore.open({ path: file, watch: false });
    expect(store.evaluate(req).allowed).toBe(true);
    expect(store.generation).toBe(1);
    await expect(PolicyStore.open({ path: join(dir, 'none.json') })).rejects.toMatchObject({
      code: 'ENOENT',
    });
    await writeFile(file, '{"version":1,"allow":[{}]}');
    const err = await PolicyStore.open({ path: file }).catch((e: unknown) => e);
    expect(isAuxError(err, 'EINVAL')).toBe(true);
    expect((err as Error).message).toContain(`${file}: policy $.allow[0]`);
  });

  it('reload() applies a change, reports unchanged text, and keeps the last good policy', async () => {
    const reloads = new Reloads();
    store = await PolicyStore.open({ path: file, watch: false, onReload: reloads.push });
    expect(await store.reload()).toEqual({ ok: true, changed: false, generation: 1 });
    await writeFile(file, allowing('bob'));
    expect(await store.reload()).toEqual({ ok: true, changed: true, generation: 2 });
    expect(store.evaluate(req).allowed).toBe(false);
    await writeFile(file, '{"version":1,"allow":[{"principals":["*"]}]}');
    const bad = await store.reload();
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.code).toBe('EINVAL');
    expect(store.generation).toBe(2);
    expect(store.evaluate({ ...req, principal: 'bob' }).allowed).toBe(true);
    await rm(file);
    const gone = await store.reload();
    expect(gone.ok === false && gone.error.code).toBe('ENOENT');
    expect(store.evaluate({ ...req, principal: 'bob' }).allowed).toBe(true);
    expect((await reloads.next()).generation).toBe(1);
  });

  it('follows in-place writes and rename-over writes of the file', async () => {
    const reloads = new Reloads();
    store = await PolicyStore.open({ path: file, debounceMs: 10, onReload: reloads.push });
    await writeFile(file, allowing('bob'));
    expect(await reloads.next(applied)).toEqual({ ok: true, changed: true, generation: 2 });
    expect(store.evaluate({ ...req, principal: 'bob' }).allowed).toBe(true);
    for (const who of ['carol', 'dave']) {
      const tmp = join(dir, `.policy.json.${who}`);
      await writeFile(tmp, allowing(who));
      await rename(tmp, file);
      await reloads.next(applied);
      expect(store.evaluate({ ...req, principal: who }).allowed).toBe(true);
    }
    expect(store.generation).toBe(4);
  });

  it('follows the file while other files in its directory keep changing', async () => {
    const reloads = new Reloads();
    store = await PolicyStore.open({ path: file, debounceMs: 50, onReload: reloads.push });
    // An audit log in the same directory, written more often than the debounce.
    let writing = true;
    const busy = (async () => {
      for (let i = 0; writing; i++) {
        await writeFile(join(dir, 'audit.log'), `line ${i}\n`, { flag: 'a' });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await writeFile(file, allowing('bob'));
      expect(await reloads.next(applied)).toEqual({ ok: true, changed: true, generation: 2 });
    } finally {
      writing = false;
      await busy;
    }
    expect(store.evaluate({ ...req, principal: 'bob' }).allowed).toBe(true);
  });

  it('keeps the last good policy when the watched file turns bad, and recovers', async () => {
    const reloads = new Reloads();
    store = await PolicyStore.open({ path: file, debounceMs: 10, onReload: reloads.push });
    await writeFile(
      file,
      '{"version":1,"deny":[{"principals":["x"],"methods":["*"],"devices":[]}]}',
    );
    const bad = await reloads.next(refused(/\$\.deny\[0\]\.devices/));
    expect(bad.ok === false && bad.error.code).toBe('EINVAL');
    expect(store.evaluate(req).allowed).toBe(true);
    await writeFile(file, allowing('bob'));
    expect(await reloads.next(applied)).toMatchObject({ generation: 2 });
    expect(store.evaluate(req).allowed).toBe(false);
  });

  it('stops following the file after close()', async () => {
    const reloads = new Reloads();
    store = await PolicyStore.open({ path: file, debounceMs: 10, onReload: reloads.push });
    store.close();
    store.close();
    await writeFile(file, allowing('bob'));
    // Give a (wrongly) live watcher ample time to fire; only the outcome is asserted.
    await new Promise((r) => setTimeout(r, 200));
    expect(store.generation).toBe(1);
    expect(store.evaluate(req).allowed).toBe(true);
    expect(await store.reload()).toMatchObject({ ok: true, changed: true, generation: 2 });
  });
});
