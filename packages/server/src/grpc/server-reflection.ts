/**
 * ServerReflection: gRPC server reflection for the auxctl.v1 services, from
 * the .proto files @auxctl/proto ships, and for grpc.health.v1.Health, from
 * the file grpc-health-check ships (when it is found).
 *
 * @grpc/proto-loader comes with @grpc/reflection (whose API takes its
 * PackageDefinition), so it is used from there rather than as a second
 * copy. Owns locating and loading the files; it must never fail the server
 * start: without the files, reflection is skipped and the caller logs why.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

const FILES = [
  'auxctl/v1/ctl_service.proto',
  'auxctl/v1/device_service.proto',
  'auxctl/v1/device.proto',
  'auxctl/v1/dump.proto',
  'auxctl/v1/health.proto',
  'auxctl/v1/scope.proto',
];

/** protoRoot: the directory holding `auxctl/v1/*.proto` of @auxctl/proto, or undefined. */
export function protoRoot(): string | undefined {
  // The package entry is src/index.ts or dist/index.js; the protos sit next to both dirs.
  const entry = fileURLToPath(import.meta.resolve('@auxctl/proto'));
  const root = dirname(dirname(entry));
  return existsSync(join(root, FILES[0] as string)) ? root : undefined;
}

const HEALTH_FILE = 'health/v1/health.proto';

/** healthProtoRoot: the directory holding grpc-health-check's `health/v1/health.proto`, or undefined. */
export function healthProtoRoot(): string | undefined {
  try {
    // The package entry is build/src/index.js; its protos sit in proto/ at the package root.
    let dir = dirname(fileURLToPath(import.meta.resolve('grpc-health-check')));
    for (let i = 0; i < 4; i++, dir = dirname(dir)) {
      if (existsSync(join(dir, 'proto', HEALTH_FILE))) return join(dir, 'proto');
    }
  } catch {
    // Not resolvable: reflection then lists the auxctl.v1 services only.
  }
  return undefined;
}

/** addReflection: serve reflection on `server`; returns why not when it cannot. */
export function addReflection(server: Server): string | undefined {
  const root = protoRoot();
  if (root === undefined) return 'the auxctl.v1 .proto files were not found next to @auxctl/proto';
  const health = healthProtoRoot();
  const files = health ? [...FILES, HEALTH_FILE] : FILES;
  const includeDirs = health ? [root, health] : [root];
  const pkg = loadSync(files, { includeDirs, keepCase: false, longs: Number });
  new ReflectionService(pkg).addToServer(server);
  return undefined;
}
