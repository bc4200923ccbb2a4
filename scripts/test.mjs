#!/usr/bin/env node
// Runs every vitest test once and ends with the plain line `N passed, N failed`
// summed from vitest's JSON report, so a run that executed nothing is visible.
// Extra arguments go to vitest (e.g. a file filter).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, '.vitest-report.json');
rmSync(report, { force: true });

const r = spawnSync(
  join(root, 'node_modules', '.bin', 'vitest'),
  [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } },
);

let passed = 0;
let failed = 0;
let failedFiles = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  failedFiles = (json.testResults ?? []).filter((f) => f.status === 'failed').length;
} else {
  failed = 1;
}
if (failedFiles > 0 && failed === 0) console.log(`${failedFiles} test file(s) failed to run`);
console.log(`${passed} passed, ${failed} failed`);
const ok = r.status === 0 && failed === 0 && failedFiles === 0 && passed > 0;
process.exit(ok ? 0 : r.status || 1);
