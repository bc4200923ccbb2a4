/**
 * BenchState: one temporary auxctld state directory (CA, server and admin
 * certificates, the admin-only default policy) shared by every server
 * process of the remote suite, and the client credentials made from it.
 *
 * The bench creates it once before any server starts, so concurrent
 * servers only read it. `dispose()` removes the temporary directory; it
 * must never touch anything outside it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuxctlClient, CHANNEL_OPTIONS } from '@auxctl/client';
import {
  DEFAULT_ADMIN_PRINCIPAL,
  ensureDefaultPolicy,
  ensureState,
  type StatePaths,
} from '@auxctl/server';
import { type ChannelCredentials, type ChannelOptions, credentials } from '@grpc/grpc-js';
import { TLS_SERVER_NAME, type TlsMaterial } from './remote-bare.js';

/** BenchState: see the module header. */
export interface BenchState {
  readonly dir: string;
  readonly paths: StatePaths;
  /** admin: the admin client's PEM (CA, certificate, key). */
  readonly admin: TlsMaterial;
  /** server: the server's PEM (CA, certificate, key), for the raw TLS baseline. */
  readonly server: TlsMaterial;
  /** grpcCredentials: fresh mTLS channel credentials of the admin client. */
  grpcCredentials(): ChannelCredentials;
  /** grpcOptions: the channel options of every bench client (transport settings and server name as for AuxctlClient). */
  readonly grpcOptions: ChannelOptions;
  /** connect: an AuxctlClient for `address` with the admin certificate (no env, no client.json). */
  connect(address: string): Promise<AuxctlClient>;
  dispose(): Promise<void>;
}

/** prepareState: a new temporary state directory with certificates and the default policy. */
export async function prepareState(): Promise<BenchState> {
  const dir = await mkdtemp(join(tmpdir(), 'auxctl-bench-'));
  try {
    const state = await ensureState(join(dir, 'state'));
    const paths = state.paths;
    await ensureDefaultPolicy(
      join(paths.dir, 'policy.json'),
      state.clientConfig.principal ?? DEFAULT_ADMIN_PRINCIPAL,
    );
    const [ca, adminCert, adminKey, serverCert, serverKey] = await Promise.all(
      [paths.caCert, paths.adminCert, paths.adminKey, paths.serverCert, paths.serverKey].map((p) =>
        readFile(p),
      ),
    );
    const admin = { ca: ca!, cert: adminCert!, key: adminKey! };
    const server = { ca: ca!, cert: serverCert!, key: serverKey! };
    return {
      dir,
      paths,
      admin,
      server,
      grpcCredentials: () => credentials.createSsl(admin.ca, admin.key, admin.cert),
      grpcOptions: {
        ...CHANNEL_OPTIONS,
        'grpc.ssl_target_name_override': TLS_SERVER_NAME,
        'grpc.default_authority': TLS_SERVER_NAME,
      },
      connect: (address) =>
        AuxctlClient.connect(
          {
            host: address,
            ca: paths.caCert,
            cert: paths.adminCert,
            key: paths.adminKey,
            serverName: TLS_SERVER_NAME,
          },
          {},
          {},
        ),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
