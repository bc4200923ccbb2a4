/**
 * `auxctl health DEV`: the device's health reporters (state, counters,
 * stored dump) and their diagnose output; `--dump REPORTER -o FILE` saves
 * a reporter's dump (devlink health dump show: `fw_fatal`'s crdump, `fw`'s
 * health-buffer sample as JSON; SHA-256 verified, resumable like
 * coredump); `--recover REPORTER` runs its recovery now (devlink health
 * recover). Owns the rendering and the option checks.
 */
import {
  HealthReporterName,
  HealthReporterReport,
  healthReporterNameToJSON,
  reporterStateToJSON,
} from '@auxctl/proto/ctl';
import { GetHealthResponse } from '@auxctl/proto/devices';
import { type Command, InvalidArgumentError } from 'commander';
import type { CommandContext } from './command-context.js';
import { type PullOptions, pullDump } from './coredump-command.js';
import { usageError } from './exit-codes.js';

const short = (s: string, prefix: string): string => s.replace(prefix, '').toLowerCase();

/** REPORTERS: the reporter names the options take. */
const REPORTERS: ReadonlyMap<string, HealthReporterName> = new Map([
  ['fw', HealthReporterName.HEALTH_REPORTER_NAME_FW],
  ['fw_fatal', HealthReporterName.HEALTH_REPORTER_NAME_FW_FATAL],
]);

/** parseReporter: `fw` or `fw_fatal`. */
export function parseReporter(text: string): HealthReporterName {
  const r = REPORTERS.get(text.trim().toLowerCase());
  if (r === undefined) throw new InvalidArgumentError('expected fw or fw_fatal');
  return r;
}

function reporterLine(r: HealthReporterReport): string {
  const s = r.status;
  const name = short(healthReporterNameToJSON(s?.name ?? 0), 'HEALTH_REPORTER_NAME_');
  const state = short(reporterStateToJSON(s?.state ?? 0), 'REPORTER_STATE_');
  return (
    `reporter ${name}: ${state}, errors ${s?.errorCount ?? 0}, recovered ${s?.recoverCount ?? 0}` +
    (r.dumpStored ? `, dump stored (${r.dumpReason || 'no reason'})` : '')
  );
}

/** healthText: one block per reporter. */
export function healthText(h: GetHealthResponse): string {
  const lines = [`device ${h.device}`];
  for (const r of h.reporters) {
    lines.push(reporterLine(r));
    if (r.diagnose !== undefined) lines.push(`  diagnose ${JSON.stringify(r.diagnose)}`);
  }
  return `${lines.join('\n')}\n`;
}

interface HealthOptions extends Partial<PullOptions> {
  dump?: HealthReporterName;
  recover?: HealthReporterName;
}

/** registerHealth: add `health` to `program`. */
export function registerHealth(program: Command, ctx: CommandContext): void {
  program
    .command('health')
    .description("read a device's health reporters; dump one or run its recovery")
    .argument('<device>', 'device (PCI address)')
    .option(
      '--dump <reporter>',
      "save the reporter's dump (fw or fw_fatal) to -o FILE",
      parseReporter,
    )
    .option('-o, --output <file>', 'where --dump saves it (DIR/<host>/NAME with fan-out)')
    .option('--resume', 'continue FILE.part from an earlier, interrupted --dump')
    .option('--force', 'replace FILE if it exists')
    .option(
      '--recover <reporter>',
      "run the reporter's recovery now (fw or fw_fatal)",
      parseReporter,
    )
    .action(async (device: string, opts: HealthOptions, cmd: Command) => {
      if (opts.dump !== undefined && opts.recover !== undefined) {
        throw usageError('give --dump or --recover, not both');
      }
      if (opts.dump === undefined && (opts.output || opts.resume || opts.force)) {
        throw usageError('-o, --resume and --force go with --dump');
      }
      const json = ctx.globals(cmd).json === true;
      await ctx.runOnHosts(cmd, async (client, target) => {
        if (opts.dump !== undefined) {
          if (!opts.output) throw usageError('--dump needs -o FILE');
          const source = { kind: 'healthDump' as const, request: { device, reporter: opts.dump } };
          return pullDump(ctx, client, target, json, source, { ...opts, output: opts.output });
        }
        if (opts.recover !== undefined) {
          const r = await client.recoverHealth(device, opts.recover);
          return {
            json: { device, report: HealthReporterReport.toJSON(r) },
            text: `device ${device}: recovered\n${reporterLine(r)}\n`,
          };
        }
        const h = await client.getHealth(device);
        return { json: GetHealthResponse.toJSON(h), text: healthText(h) };
      });
    });
}
