/**
 * Stalled streams: many principals, each over connections of its own,
 * opening streaming calls to auxctld and never reading them — dump
 * streams (fresh Coredumps and resumes of a dump the principal captured)
 * and idle streams (WatchDevices with a snapshot, Sessions that opened a
 * context) — then going away. The robustness suite and its test measure
 * the daemon's memory around it.
 *
 * Every client channel has a subchannel pool of its own, so each is one
 * HTTP/2 connection. Owns the clients, certificates and calls it makes;
 * `close()` cancels every call and closes every channel. Never waits
 * without a bound.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CoredumpResponse,
  CtlServiceClient,
  DeviceServiceClient,
  DumpMode,
  RpcScope,
} from '@auxctl/proto';
import { CertAuthority, ensureState, type StatePaths } from '@auxctl/server';
import { credentials, status } from '@grpc/grpc-js';

/** LOAD_PRINCIPAL_PREFIX: the principals of the load (each `spiffe://load/p<i>`). */
export const LOAD_PRINCIPAL_PREFIX = 'spiffe://load/p';

/** LoadState: a state directory whose policy allows every load principal everything. */
export interface LoadState {
  readonly paths: StatePaths;
  readonly policyPath: string;
  /** credentialsFor: mTLS credentials (CA, key, certificate PEM) of principal `i`. */
  readonly credentials: readonly { ca: Buffer; key: Buffer; cert: Buffer }[];
}

/** prepareLoadState: certificates for `principals` load principals and their policy, under `dir`. */
export async function prepareLoadState(dir: string, principals: number): Promise<LoadState> {
  const state = await ensureState(join(dir, 'state'));
  const p = state.paths;
  const caPem = await readFile(p.caCert);
  const ca = await CertAuthority.fromPem(caPem.toString('utf8'), await readFile(p.caKey, 'utf8'));
  const now = Date.now();
  const creds = [];
  for (let i = 0; i < principals; i++) {
    const leaf = await ca.issueClient({
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 6 * 3_600_000),
      commonName: `p${i}`,
      uri: `${LOAD_PRINCIPAL_PREFIX}${i}`,
    });
    creds.push({ ca: caPem, key: Buffer.from(leaf.keyPem), cert: Buffer.from(leaf.certPem) });
  }
  await mkdir(dir, { recursive: true });
  const policyPath = join(dir, 'load-policy.json');
  const policy = {
    version: 1,
    allow: [{ principals: [`${LOAD_PRINCIPAL_PREFIX}*`], methods: ['*'], devices: ['*'] }],
  };
  await writeFile(policyPath, JSON.stringify(policy));
  return { paths: p, policyPath, credentials: creds };
}

/** StreamOutcome: how the opened calls stand. */
export interface StreamOutcome {
  /** Calls still open. */
  readonly open: number;
  /** Calls the server refused or ended, by status code name. */
  readonly ended: Readonly<Record<string, number>>;
}

/** StreamKind: what a stalled call is. */
export type StreamKind = 'dump' | 'watch' | 'session';

interface Tracked {
  readonly kind: StreamKind;
  readonly call: { cancel(): void };
  /** The server answered (response headers arrived, sent with its first message). */
  started: boolean;
  ended?: string;
}

/** StalledLoad: the principals' connections and the calls they opened. */
export class StalledLoad {
  private readonly ctl: CtlServiceClient[][] = [];
  private readonly dev: DeviceServiceClient[][] = [];
  private readonly calls: Tracked[] = [];
  private readonly device: string;

  /** `connections` channels per principal, round robin. */
  constructor(address: string, state: LoadState, device: string, connections = 2) {
    this.device = device;
    for (const c of state.credentials) {
      const ctl: CtlServiceClient[] = [];
      const dev: DeviceServiceClient[] = [];
      for (let k = 0; k < connections; k++) {
        const creds = credentials.createSsl(c.ca, c.key, c.cert);
        const opts = {
          'grpc.use_local_subchannel_pool': 1,
          'grpc.ssl_target_name_override': 'localhost',
        };
        const ch = new CtlServiceClient(address, creds, opts);
        ctl.push(ch);
        // The DeviceService client shares the channel (one connection per k).
        dev.push(new DeviceServiceClient(address, creds, { channelOverride: ch.getChannel() }));
      }
      this.ctl.push(ctl);
      this.dev.push(dev);
    }
  }

  get principals(): number {
    return this.ctl.length;
  }

  private client<T>(set: T[][], p: number, n: number): T {
    const row = set[p] as T[];
    return row[n % row.length] as T;
  }

  private track(
    kind: StreamKind,
    call: { cancel(): void; on(e: string, f: (x: unknown) => void): unknown },
  ): void {
    const t: Tracked = { kind, call, started: false };
    call.on('metadata', () => {
      t.started = true;
    });
    call.on('error', (e: unknown) => {
      t.ended = status[(e as { code: number }).code] ?? 'UNKNOWN';
    });
    call.on('status', (s: unknown) => {
      t.ended ??= status[(s as { code: number }).code] ?? 'UNKNOWN';
    });
    this.calls.push(t);
  }

  /** captureOne: principal `p` captures a coredump and reads it whole; resolves its dump id. */
  captureOne(p: number, timeoutMs = 60_000): Promise<string> {
    const call = this.client(this.ctl, p, 0).coredump(
      { device: this.device, mode: DumpMode.DUMP_MODE_UMEM, chunkSize: 0 },
      { deadline: Date.now() + timeoutMs },
    );
    return new Promise((resolve, reject) => {
      let id = '';
      let trailer = false;
      call.on('data', (f: CoredumpResponse) => {
        if (f.frame?.$case === 'header') id = f.frame.header.dumpId;
        if (f.frame?.$case === 'trailer') trailer = true;
      });
      call.on('error', reject);
      call.on('end', () => (trailer ? resolve(id) : reject(new Error('no trailer'))));
    });
  }

  /** stalledDump: principal `p` opens a Coredump (fresh, or a resume of `dumpId`) and never reads it. */
  stalledDump(p: number, n: number, dumpId?: string): void {
    const call = this.client(this.ctl, p, n).coredump({
      device: this.device,
      mode: DumpMode.DUMP_MODE_UMEM,
      chunkSize: 64 * 1024,
      ...(dumpId !== undefined && { resume: { dumpId, offset: 0 } }),
    });
    call.pause();
    this.track('dump', call);
  }

  /** idleWatch: principal `p` opens WatchDevices with a snapshot and never reads it. */
  idleWatch(p: number, n: number): void {
    const call = this.client(this.dev, p, n).watchDevices({
      devices: [],
      sendSnapshot: true,
      resumeAfter: 0,
    });
    call.pause();
    this.track('watch', call);
  }

  /** idleSession: principal `p` opens a Session on the device and never reads it. */
  idleSession(p: number, n: number): void {
    const call = this.client(this.ctl, p, n).session();
    call.pause();
    call.write({
      kind: {
        $case: 'open',
        open: { device: this.device, scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY },
      },
    });
    this.track('session', call);
  }

  /**
   * settled: resolves once every call was answered or ended (polled every
   * 50 ms, at most `maxMs`); false when some were still waiting.
   */
  async settled(maxMs = 30_000): Promise<boolean> {
    for (let waited = 0; waited < maxMs; waited += 50) {
      if (this.calls.every((t) => t.started || t.ended !== undefined)) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** outcome: open calls of `kinds` and ended ones by status. */
  outcome(kinds: readonly StreamKind[]): StreamOutcome {
    const ended: Record<string, number> = {};
    let open = 0;
    for (const t of this.calls) {
      if (!kinds.includes(t.kind)) continue;
      if (t.ended === undefined) open++;
      else ended[t.ended] = (ended[t.ended] ?? 0) + 1;
    }
    return { open, ended };
  }

  /** close: cancel every call and close every channel. */
  close(): void {
    for (const t of this.calls) t.call.cancel();
    for (const row of this.ctl) for (const c of row) c.close();
  }
}

/** settle: wait until `sample()` changes by less than `tolerance` between two reads `stepMs` apart (at most `maxMs`). */
export async function settle(
  sample: () => number,
  opts: { tolerance: number; stepMs?: number; maxMs?: number },
): Promise<number> {
  const step = opts.stepMs ?? 250;
  const rounds = Math.ceil((opts.maxMs ?? 10_000) / step);
  let last = sample();
  for (let i = 0; i < rounds; i++) {
    await new Promise((r) => setTimeout(r, step));
    const now = sample();
    if (Math.abs(now - last) < opts.tolerance) return now;
    last = now;
  }
  return last;
}
