/**
 * TlsCredentials: grpc-js server and channel credentials built from PEM.
 *
 * Owns the three transport modes of auxctld: mutual TLS (client certificate
 * required and verified against the local CA), TLS that requests but does
 * not require a client certificate (bearer-token mode; a verified
 * certificate still yields a principal), and plaintext (loopback only, see
 * listen-address.ts). Also the client side: channel credentials from a
 * client.json. It must never weaken verification of the server's own chain
 * on the client side, and never decide authorization.
 */
import { readFile } from 'node:fs/promises';
import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import {
  type CallCredentials,
  type ChannelCredentials,
  type ChannelOptions,
  credentials,
  Metadata,
  ServerCredentials,
} from '@grpc/grpc-js';
import type { ClientConfig } from './client-config.js';

/** ServerTlsMaterial: the CA that signs client certificates and the server's own pair, PEM. */
export interface ServerTlsMaterial {
  caPem: string | Buffer;
  certPem: string | Buffer;
  keyPem: string | Buffer;
}

/**
 * mtlsServerCredentials: TLS where the handshake fails unless the client
 * presents a certificate that chains to `caPem` and is within its validity.
 */
export function mtlsServerCredentials(m: ServerTlsMaterial): ServerCredentials {
  return ServerCredentials.createSsl(
    Buffer.from(m.caPem),
    [{ cert_chain: Buffer.from(m.certPem), private_key: Buffer.from(m.keyPem) }],
    true,
  );
}

/**
 * ClientCertOptionalCredentials: TLS that asks for a client certificate but
 * lets the handshake finish without one (`requestCert: true,
 * rejectUnauthorized: false`). grpc-js's createSsl cannot express this (its
 * `checkClientCertificate=false` does not even request one). grpc-js only
 * reports a peer certificate for a socket Node marked `authorized`, so an
 * absent, foreign or expired certificate yields no principal here, never a
 * wrong one.
 */
class ClientCertOptionalCredentials extends ServerCredentials {
  constructor(m: ServerTlsMaterial) {
    super(
      { requestCert: true, rejectUnauthorized: false },
      { ca: Buffer.from(m.caPem), cert: [Buffer.from(m.certPem)], key: [Buffer.from(m.keyPem)] },
    );
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/**
 * optionalClientCertServerCredentials: auxctld's TLS; a client certificate
 * is requested and verified when present, and not required by the
 * handshake: authentication then refuses a call without a verified
 * certificate (or a bearer token, when configured) as UNAUTHENTICATED.
 */
export function optionalClientCertServerCredentials(m: ServerTlsMaterial): ServerCredentials {
  return new ClientCertOptionalCredentials(m);
}

/** ClientConnection: what a grpc-js client constructor needs to reach auxctld. */
export interface ClientConnection {
  address: string;
  credentials: ChannelCredentials;
  options: ChannelOptions;
}

/**
 * clientConnectionFromConfig: channel credentials (TLS, with the client
 * certificate when the config names one) and options from a client config.
 * Throws ENOENT/EPERM/EINVAL naming the file that cannot be read.
 */
export async function clientConnectionFromConfig(config: ClientConfig): Promise<ClientConnection> {
  const ca = await readPem(config.ca, 'CA certificate');
  let creds: ChannelCredentials;
  if (config.cert !== undefined && config.key !== undefined) {
    const [cert, key] = await Promise.all([
      readPem(config.cert, 'client certificate'),
      readPem(config.key, 'client key'),
    ]);
    creds = credentials.createSsl(ca, key, cert);
  } else {
    creds = credentials.createSsl(ca);
  }
  const options: ChannelOptions = {};
  if (config.serverName !== undefined) {
    options['grpc.ssl_target_name_override'] = config.serverName;
    options['grpc.default_authority'] = config.serverName;
  }
  return { address: config.address, credentials: creds, options };
}

/**
 * bearerCallCredentials: call credentials sending `authorization: Bearer
 * <token>` on every call. grpc-js only sends call credentials over TLS
 * channels; compose with `credentials.combineChannelCredentials`.
 */
export function bearerCallCredentials(token: string | (() => string)): CallCredentials {
  return credentials.createFromMetadataGenerator((_params, callback) => {
    let value: string;
    try {
      value = typeof token === 'function' ? token() : token;
    } catch (e) {
      callback(e instanceof Error ? e : new Error(printable(e)));
      return;
    }
    const md = new Metadata();
    md.set('authorization', `Bearer ${value}`);
    callback(null, md);
  });
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AuxError(
      code === 'ENOENT' ? 'ENOENT' : code === 'EACCES' ? 'EPERM' : 'EINVAL',
      `cannot read ${what} ${path} (${code ?? 'error'}); check client.json or re-run auxctld to recreate its state directory`,
      undefined,
      { cause: e },
    );
  }
}
