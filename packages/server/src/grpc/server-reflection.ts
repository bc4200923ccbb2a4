/**
 * ServerReflection: gRPC server reflection for exactly the services the
 * server registered: the auxctl.v1 ones from the .proto files @auxctl/proto
 * ships, grpc.health.v1.Health from the file grpc-health-check ships.
 *
 * @grpc/proto-loader comes with @grpc/reflection (whose API takes its
 * PackageDefinition), so it is used from there rather than as a second
 * copy. Owns locating and loading the files; it must never fail the server
 * start: without the files, reflection is skipped and the caller logs why.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

/** API_DIR: where @auxctl/proto keeps the .proto files of the served API. */
const API_DIR = 'auxctl/v1';

/** protoRoot: the directory holding `auxctl/v1/*.proto` of @auxctl/proto, or undefined. */
export function protoRoot(): string | undefined {
  // The package entry is src/index.ts or dist/index.js; the protos sit next to both dirs.
  const entry = fileURLToPath(import.meta.resolve('@auxctl/proto'));
  const root = dirname(dirname(entry));
  return existsSync(join(root, API_DIR)) ? root : undefined;
}

const HEALTH_FILE = 'health/v1/health.proto';

/** HEALTH_SERVICE: the service grpc-health-check adds. */
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** healthProtoRoot: the directory holding grpc-health-check's `health/v1/health.proto`, or undefined. */
export function healthProtoRoot(): string | undefined {
  try {
    // The package entry is build/src/index.js; its protos sit in proto/ at the package root.
    let dir = dirname(fileURLToPath(import.meta.resolve('grpc-health-check')));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      if (existsSync(join(dir, 'proto', HEALTH_FILE))) return join(dir, 'proto');
    }
  } catch {
    // Not resolvable: the health service then goes undescribed, and addReflection says so.
  }
  return undefined;
}

/** serviceNameOf: `pkg.Service` of a grpc-js service definition (from its methods' paths). */
export function serviceNameOf(def: ServiceDefinition): string {
  const first = Object.values(def)[0];
  const m = first && /^\/([^/]+)\//.exec(first.path);
  if (!m?.[1]) throw new Error('serviceNameOf: a service definition without methods');
  return m[1];
}

/**
 * addReflection: serve reflection for `services` (what the server
 * registered, by full name), from every .proto @auxctl/proto ships plus
 * grpc.health.v1's. Returns why not when a service has no .proto that
 * describes it; then nothing is served, so a missing file is seen at once.
 */
export function addReflection(server: Server, services: readonly string[]): string | undefined {
  const root = protoRoot();
  if (root === undefined) return 'the auxctl.v1 .proto files were not found next to @auxctl/proto';
  const health = healthProtoRoot();
  const files = readdirSync(join(root, API_DIR))
    .filter((f) => f.endsWith('.proto'))
    .sort()
    .map((f) => `${API_DIR}/${f}`);
  if (health) files.push(HEALTH_FILE);
  const pkg = loadSync(files, {
    includeDirs: health ? [root, health] : [root],
    keepCase: false,
    longs: Number,
  });
  // Messages and enums carry `format`; a service is a map of its methods.
  const missing = services.filter((s) => pkg[s] === undefined || 'format' in pkg[s]);
  if (missing.length > 0) return `no .proto file describes ${missing.join(', ')}`;
  new ReflectionService(pkg, { services: [...services] }).addToServer(server);
  return undefined;
}
