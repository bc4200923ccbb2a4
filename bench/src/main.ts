/**
 * npm run bench: every suite, one after another, in one process. Each
 * suite measures its own baselines in the same run and writes
 * bench/results/<suite>.json. BENCH_MS sets the measuring time per figure.
 */
import { runCore } from './core.js';
import { runCtl } from './ctl.js';
import { runRemote } from './remote.js';

const ms = Number(process.env.BENCH_MS ?? 1500);

async function main(): Promise<void> {
  console.log(`auxctl bench (node ${process.version}, ${ms} ms per figure)`);
  await runCore(ms);
  await runCtl(ms);
  await runRemote(ms);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
