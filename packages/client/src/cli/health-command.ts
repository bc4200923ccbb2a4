/**
 * `auxctl health DEV`: the device's health reporters (state, counters,
 * stored dump) and their diagnose output. Owns the rendering only.
 */
import { GetHealthResponse, healthReporterNameToJSON, reporterStateToJSON } from '@auxctl/proto';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';

const short = (s: string, prefix: string): string => s.replace(prefix, '').toLowerCase();

/** healthText: one block per reporter. */
export function healthText(h: GetHealthResponse): string {
  const lines = [`device ${h.device}`];
  for (const r of h.reporters) {
    const s = r.status;
    const name = short(healthReporterNameToJSON(s?.name ?? 0), 'HEALTH_REPORTER_NAME_');
    const state = short(reporterStateToJSON(s?.state ?? 0), 'REPORTER_STATE_');
    lines.push(
      `reporter ${name}: ${state}, errors ${s?.errorCount ?? 0}, recovered ${s?.recoverCount ?? 0}` +
        (r.dumpStored ? `, dump stored (${r.dumpReason || 'no reason'})` : ''),
    );
    if (r.diagnose !== undefined) lines.push(`  diagnose ${JSON.stringify(r.diagnose)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** registerHealth: add `health` to `program`. */
export function registerHealth(program: Command, ctx: CommandContext): void {
  program
    .command('health')
    .description("read a device's health reporters")
    .argument('<device>', 'device (PCI address)')
    .action(async (device: string, _opts: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const h = await client.getHealth(device);
        return { json: GetHealthResponse.toJSON(h), text: healthText(h) };
      });
    });
}
