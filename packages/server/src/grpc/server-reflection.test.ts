import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ChannelCredentials,
  type ClientDuplexStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  Server,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test-support/server-harness.js';
import { addReflection } from './server-reflection.js';

// @grpc/reflection ships the grpc.reflection.v1 .proto under build/proto (its entry is build/src/index.js).
const REFLECTION_PROTO = join(
  dirname(dirname(fileURLToPath(import.meta.resolve('@grpc/reflection')))),
  'proto/grpc/reflection/v1/reflection.proto',
);

interface ReflectionResponse {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}
type ReflectionStream = ClientDuplexStream<Record<string, unknown>, ReflectionResponse>;
type ReflectionClient = { serverReflectionInfo(): ReflectionStream; close(): void };
type ReflectionCtor = new (address: string, creds: Harness['admin']) => ReflectionClient;

function reflectionClient(h: Harness, creds: ChannelCredentials = h.admin): ReflectionClient {
  const pkg = loadSync(REFLECTION_PROTO, { keepCase: false, longs: Number, defaults: true });
  const root = loadPackageDefinition(pkg) as GrpcObject;
  const v1 = ((root.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
  return new (v1.ServerReflection as unknown as ReflectionCtor)(h.address, creds);
}

/** ask: one request on a fresh reflection stream, its one answer. */
function ask(c: ReflectionClient, req: Record<string, unknown>): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const s = c.serverReflectionInfo();
    s.once('data', (m: ReflectionResponse) => {
      resolve(m);
      s.end();
    });
    s.on('error', reject);
    s.write(req);
  });
}

describe('server reflection over mTLS', () => {
  let h: Harness;
  let c: ReflectionClient;
  beforeAll(async () => {
    h = await startHarness();
    c = reflectionClient(h);
  });
  afterAll(async () => {
    c.close();
    await h.close();
  });

  it('lists exactly the services the server registered, PortFunctionService included', async () => {
    const res = await ask(c, { listServices: '*' });
    const names = res.listServicesResponse?.service.map((s) => s.name) ?? [];
    expect(h.server.services).toEqual(
      expect.arrayContaining([
        'auxctl.v1.CtlService',
        'auxctl.v1.DeviceService',
        'auxctl.v1.PortFunctionService',
        'grpc.health.v1.Health',
      ]),
    );
    expect([...names].sort()).toEqual([...h.server.services].sort());
  });

  it('describes every registered service and each of its methods', async () => {
    for (const service of h.server.services) {
      const res = await ask(c, { fileContainingSymbol: service });
      const files = res.fileDescriptorResponse?.fileDescriptorProto ?? [];
      expect(res.errorResponse, service).toBeUndefined();
      const text = Buffer.concat(files);
      expect(text.includes(service.split('.').pop() ?? ''), service).toBe(true);
    }
    const pf = await ask(c, { fileContainingSymbol: 'auxctl.v1.PortFunctionService.Activate' });
    expect(pf.errorResponse).toBeUndefined();
    expect(
      Buffer.concat(pf.fileDescriptorResponse?.fileDescriptorProto ?? []).includes('Activate'),
    ).toBe(true);
  });

  it('refuses to describe a service no .proto file declares', () => {
    const server = new Server();
    expect(addReflection(server, ['auxctl.v1.NoSuchService'])).toBe(
      'no .proto file describes auxctl.v1.NoSuchService',
    );
    expect(addReflection(server, ['auxctl.v1.Device'])).toContain('describes auxctl.v1.Device');
  });

  it('serves the file descriptor of a listed service and refuses an unknown symbol', async () => {
    const res = await ask(c, { fileContainingSymbol: 'auxctl.v1.CtlService' });
    const files = res.fileDescriptorResponse?.fileDescriptorProto ?? [];
    expect(files.length).toBeGreaterThan(0);
    expect(Buffer.concat(files).includes('CtlService')).toBe(true);
    const missing = await ask(c, { fileContainingSymbol: 'auxctl.v1.NoSuchService' });
    expect(missing.errorResponse?.errorCode).toBeGreaterThan(0);
    expect(missing.fileDescriptorResponse).toBeUndefined();
  });

  it('answers a caller without a client certificate UNAUTHENTICATED, like every auxctl call', async () => {
    const ca = await readFile(h.server.state?.paths.caCert ?? '');
    const anonymous = reflectionClient(h, credentials.createSsl(ca));
    try {
      const err = await ask(anonymous, { listServices: '*' }).then(
        () => undefined,
        (e: ServiceError) => e,
      );
      expect(err?.code).toBe(status.UNAUTHENTICATED);
      expect(err?.details).toContain('no client certificate');
    } finally {
      anonymous.close();
    }
  });
});
