#!/usr/bin/env node
// Brings a checkout to a runnable state: installs the locked dependency tree
// when it is missing or older than package-lock.json, then runs the turbo
// tasks named on the command line (default: build). Used by `npm start`,
// `npm test` and `npm run bench`, so a fresh clone needs nothing else.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`setup: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

// `npm install` rather than `npm ci`: both install exactly the locked tree, but
// `npm ci` refuses a lock that lacks optional platform packages the registry
// does not serve (e.g. another OS's Biome or turbo binary), which npm then
// leaves out of the lock.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(lock).mtimeMs > statSync(installed).mtimeMs) {
  console.error('setup: installing dependencies (npm install from package-lock.json)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}

const tasks = process.argv.slice(2);
run(join(root, 'node_modules', '.bin', 'turbo'), [
  'run',
  ...(tasks.length > 0 ? tasks : ['build']),
  '--output-logs=errors-only',
]);
