/**
 * ProbeService: a one-method gRPC service (no proto) for end-to-end tests of
 * the transport security: `WhoAmI` answers with the principal the server
 * sees. Servers bind 127.0.0.1:0 only.
 */
import {
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  makeGenericClientConstructor,
  Server,
  type ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';

/** WhoAmIReply: what the probe handler reports. */
export interface WhoAmIReply {
  principal: string | null;
}

const probeDefinition: ServiceDefinition = {
  whoAmI: {
    path: '/auxctl.test.Probe/WhoAmI',
    requestStream: false,
    responseStream: false,
    requestSerialize: (v: Buffer) => v,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (v: WhoAmIReply) => Buffer.from(JSON.stringify(v)),
    responseDeserialize: (b: Buffer) => JSON.parse(b.toString('utf8')) as WhoAmIReply,
  },
};

const ProbeClient = makeGenericClientConstructor(probeDefinition, 'Probe');

/** Authenticate: resolves the principal of a call, or rejects to fail it. */
export type Authenticate = (
  call: ServerUnaryCall<Buffer, WhoAmIReply>,
) => Promise<string | undefined>;

/** ProbeServer: a running probe server and how to stop it. */
export interface ProbeServer {
  port: number;
  stop(): void;
}

/** startProbeServer: bind 127.0.0.1:0 with `creds`; each call reports `authenticate(call)`. */
export async function startProbeServer(
  creds: ServerCredentials,
  authenticate: Authenticate,
): Promise<ProbeServer> {
  const server = new Server();
  server.addService(probeDefinition, {
    whoAmI: (call: ServerUnaryCall<Buffer, WhoAmIReply>, cb: sendUnaryData<WhoAmIReply>) => {
      authenticate(call).then(
        (principal) => cb(null, { principal: principal ?? null }),
        (e: unknown) =>
          cb({
            code: status.UNAUTHENTICATED,
            details: e instanceof Error ? e.message : 'rejected',
          }),
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { port, stop: () => server.forceShutdown() };
}

/** CallOutcome: a probe call's reply, or the gRPC status it failed with. */
export type CallOutcome =
  | { ok: true; reply: WhoAmIReply }
  | { ok: false; code: number; details: string };

/** callWhoAmI: one WhoAmI call (5 s deadline); the client is closed afterwards. */
export async function callWhoAmI(
  port: number,
  creds: ChannelCredentials,
  options: ChannelOptions = {},
): Promise<CallOutcome> {
  const client = new ProbeClient(`127.0.0.1:${port}`, creds, options) as unknown as Client & {
    whoAmI(
      req: Buffer,
      opts: { deadline: number },
      cb: (e: ServiceError | null, r?: WhoAmIReply) => void,
    ): void;
  };
  try {
    return await new Promise<CallOutcome>((resolve) => {
      client.whoAmI(Buffer.alloc(0), { deadline: Date.now() + 5_000 }, (e, r) => {
        if (e) resolve({ ok: false, code: e.code, details: e.details });
        else resolve({ ok: true, reply: r as WhoAmIReply });
      });
    });
  } finally {
    client.close();
  }
}
