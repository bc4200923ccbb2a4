/**
 * ServerHarness: a real AuxctlServer on 127.0.0.1:0 in a temp state
 * directory, and generated clients for it, for end-to-end tests. Health
 * polling is off so no timer outlives a test; `close()` stops everything.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtlServiceClient, DeviceServiceClient } from '@auxctl/proto';
import { type ChannelCredentials, credentials, type ServiceError } from '@grpc/grpc-js';
import { AuxctlServer, type AuxctlServerOptions } from '../auxctl-server.js';
import type { PolicyDocument } from '../policy/index.js';
import { CertAuthority, ensureState } from '../security/index.js';

/** Harness: a started server and how to reach it. */
export interface Harness {
  server: AuxctlServer;
  address: string;
  dir: string;
  /** admin: channel credentials of the admin certificate. */
  admin: ChannelCredentials;
  /** clientAs: credentials of a fresh certificate from the server's CA for `uri`. */
  clientAs(uri: string): Promise<ChannelCredentials>;
  devices(creds: ChannelCredentials): DeviceServiceClient;
  ctl(creds: ChannelCredentials): CtlServiceClient;
  close(): Promise<void>;
}

/** startHarness: a server with `policy` (default: the admin-only default policy). */
export async function startHarness(
  opts: Partial<AuxctlServerOptions> & { policy?: PolicyDocument } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'auxctld-test-'));
  const state = await ensureState(join(dir, 'state'));
  let policyPath: string | undefined;
  if (opts.policy) {
    policyPath = join(dir, 'policy.json');
    await writeFile(policyPath, JSON.stringify(opts.policy));
  }
  const server = new AuxctlServer({
    stateDir: state.paths.dir,
    listen: '127.0.0.1:0',
    health: { poll: false },
    drainTimeoutMs: 1000,
    // Exec opens and closes a context per call here, so object counts are exact at any moment.
    execContextIdleMs: 0,
    ...opts,
    ...(policyPath && { policyPath }),
  });
  const clients: { close(): void }[] = [];
  let address: string;
  try {
    address = await server.start();
  } catch (err) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const p = state.paths;
  const caPem = await readFile(p.caCert);
  const admin = credentials.createSsl(
    caPem,
    await readFile(p.adminKey),
    await readFile(p.adminCert),
  );
  return {
    server,
    address,
    dir,
    admin,
    async clientAs(uri) {
      const ca = await CertAuthority.fromPem(
        caPem.toString('utf8'),
        (await readFile(p.caKey)).toString('utf8'),
      );
      const now = Date.now();
      const leaf = await ca.issueClient({
        notBefore: new Date(now - 60_000),
        notAfter: new Date(now + 3_600_000),
        commonName: 'test',
        uri,
      });
      return credentials.createSsl(caPem, Buffer.from(leaf.keyPem), Buffer.from(leaf.certPem));
    },
    devices(creds) {
      const c = new DeviceServiceClient(address, creds);
      clients.push(c);
      return c;
    },
    ctl(creds) {
      const c = new CtlServiceClient(address, creds);
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** unaryCall: promisify one generated unary client method. */
export function unaryCall<Req, Res>(
  fn: (req: Req, cb: (err: Error | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** failure: the ServiceError `p` rejects with; throws when it resolves. */
export async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error('expected the call to fail');
}
