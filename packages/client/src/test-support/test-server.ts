/**
 * TestServer: a real grpc-js server on 127.0.0.1:0 with just the handlers a
 * test needs, and an AuxctlClient connected to it in plaintext.
 *
 * Owns: the server and client it starts; stop() releases both. Never: used
 * outside tests.
 */
import {
  credentials,
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { AuxctlClient } from '../auxctl-client.js';

/** TestServer: a running server, a client of it, and how to stop both. */
export interface TestServer {
  address: string;
  client: AuxctlClient;
  stop(): Promise<void>;
}

/** ServiceBinding: one service and the handlers the test implements (others answer UNIMPLEMENTED). */
export interface ServiceBinding {
  definition: ServiceDefinition;
  handlers: UntypedServiceImplementation;
}

/** startTestServer: bind 127.0.0.1:0 with `creds` (plaintext by default) and serve `bindings`. */
export async function startTestServer(
  bindings: readonly ServiceBinding[],
  creds: ServerCredentials = ServerCredentials.createInsecure(),
): Promise<TestServer> {
  const server = new Server();
  for (const b of bindings) server.addService(b.definition, b.handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p)));
  });
  const address = `127.0.0.1:${port}`;
  const client = new AuxctlClient({
    address,
    credentials: credentials.createInsecure(),
    options: {},
  });
  return {
    address,
    client,
    stop: async () => {
      client.close();
      server.forceShutdown();
    },
  };
}

/** grpcError: an error a handler passes to a callback or emits on a stream to send a status. */
export function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(details), { code, details });
}
