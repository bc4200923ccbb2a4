/**
 * `auxctl migrate --from HOST --vf BDF --to HOST --to-vf BDF`: move a VF's
 * live state between two auxctld (MigrationService on both, see
 * migrate-vf.ts), with a line per phase on stderr and the stop-copy
 * downtime and total time at the end. Both hosts are reached with the
 * same credentials (flags, environment or client.json). Owns the flags and
 * the report; a failure is rolled back by migrateVf and exits non-zero.
 */
import type { Command } from 'commander';
import type { AuxctlClient } from '../auxctl-client.js';
import { migrateVf } from '../migrate-vf.js';
import { parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { connect, reportError } from './host-runner.js';

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

interface MigrateFlags {
  from: string;
  vf: string;
  to: string;
  toVf: string;
  precopyRounds: number;
  chunkKib?: number;
}

/** registerMigrate: add `migrate` to `program`. */
export function registerMigrate(program: Command, ctx: CommandContext): void {
  program
    .command('migrate')
    .description("move a VF's live state from one auxctld to another (vfio migration)")
    .requiredOption('--from <host:port>', 'the source auxctld')
    .requiredOption('--vf <bdf>', 'the source VF (bound to a migration driver)')
    .requiredOption('--to <host:port>', 'the destination auxctld')
    .requiredOption('--to-vf <bdf>', 'the destination VF (bound to a migration driver)')
    .option(
      '--precopy-rounds <n>',
      'pre-copy rounds while the VF runs (0: stop-copy only)',
      (t) => parseIntInRange(t, 0, 64),
      0,
    )
    .option('--chunk-kib <n>', "KiB per data message (default: the server's, 256)", (t) =>
      parseIntInRange(t, 4, 4096),
    )
    .action(async (o: MigrateFlags, cmd: Command) => {
      const g = ctx.globals(cmd);
      const { io } = ctx;
      let code = 0;
      let from: AuxctlClient | undefined;
      let to: AuxctlClient | undefined;
      try {
        from = await connect(io, g, o.from);
        to = await connect(io, g, o.to);
        const r = await migrateVf(from, to, {
          vf: o.vf,
          toVf: o.toVf,
          precopyRounds: o.precopyRounds,
          ...(o.chunkKib !== undefined && { chunkBytes: o.chunkKib * 1024 }),
          ...(io.signal && { signal: io.signal }),
          onProgress: (p) => {
            if (g.json) return;
            const what = p.phase === 'pre-copy' ? `pre-copy round ${p.round}` : 'stop-copy';
            io.stderr(`${what}: ${mib(p.bytes)} sent, about ${mib(p.remainingBytes)} left\n`);
          },
        });
        const json = { from: o.from, vf: o.vf, to: o.to, toVf: o.toVf, ...r };
        io.stdout(
          g.json
            ? `${JSON.stringify(json)}\n`
            : `migrated ${o.vf} on ${o.from} to ${o.toVf} on ${o.to}: ${mib(r.bytes)} (${mib(r.stopCopyBytes)} in stop-copy, ${r.precopyRounds} pre-copy rounds)\nstop-copy downtime ${r.downtimeMs.toFixed(1)} ms, total ${r.totalMs.toFixed(1)} ms\n`,
        );
      } catch (e) {
        code = reportError(io, e, g.json === true, cmd);
      } finally {
        from?.close();
        to?.close();
      }
      ctx.setExit(code);
    });
}
