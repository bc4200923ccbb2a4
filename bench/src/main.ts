/**
 * npm run bench: every suite, one after another, in one process. Each
 * suite measures its own baselines in the same run and writes
 * bench/results/<suite>.json. BENCH_MS sets the measuring time per figure;
 * `npm run bench -w @auxctl/bench -- remote ctl` (after a build) runs only
 * the named suites.
 */
import { runCore } from './core.js';
import { runCtl } from './ctl.js';
import { runDatapath } from './datapath.js';
import { runFwctl } from './fwctl.js';
import { runLogs } from './logs.js';
import { runMigration } from './migration.js';
import { runRemote } from './remote.js';
import { runRobustness } from './robustness.js';
import { runSf } from './sf.js';
import { runVdpa } from './vdpa.js';

const ms = Number(process.env.BENCH_MS ?? 1500);

const SUITES: Record<string, (ms: number) => Promise<unknown>> = {
  core: runCore,
  ctl: runCtl,
  remote: runRemote,
  robustness: runRobustness,
  datapath: runDatapath,
  fwctl: runFwctl,
  logs: runLogs,
  sf: runSf,
  vdpa: runVdpa,
  migration: runMigration,
};

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in SUITES));
  if (unknown.length > 0) {
    throw new Error(
      `unknown suite ${unknown.join(', ')}; suites: ${Object.keys(SUITES).join(', ')}`,
    );
  }
  console.log(`auxctl bench (node ${process.version}, ${ms} ms per figure)`);
  for (const [name, run] of Object.entries(SUITES)) {
    if (asked.length === 0 || asked.includes(name)) await run(ms);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
