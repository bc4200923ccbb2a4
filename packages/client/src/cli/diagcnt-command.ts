import type { Command } from 'commander';
import { queryCapability } from './cap-query.js';
import type { CommandContext } from './command-context.js';
import { decodeDiagCounters, diagCounterCount } from './diag-counter-fields.js';
import { CAP_TYPES } from './hca-cap-fields.js';

const HINT = 'the device may lack the debug capability';

/** registerDiagcnt: add `diagcnt` to `program`. */
export function registerDiagcnt(program: Command, ctx: CommandContext): void {
  program
    .command('diagcnt')
    .description('list the diagnostic counters the device offers (debug capability)')
    .argument('<device>', 'device (PCI address)')
    .action(async (device: string, _opts: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const count = diagCounterCount(
          await queryCapability(client, device, CAP_TYPES.get('general') ?? 0, 'cur', HINT),
        );
        const counters =
          count === 0
            ? []
            : decodeDiagCounters(
                await queryCapability(client, device, CAP_TYPES.get('debug') ?? 0xd, 'cur', HINT),
                count,
              );
        const lines = counters.map(
          (c) => `0x${c.counterId.toString(16).padStart(4, '0')}${c.sync ? '  sync' : ''}`,
        );
        return {
          json: { device, counters },
          text: `device ${device}: ${counters.length} diagnostic counters\n${lines.map((l) => `${l}\n`).join('')}`,
        };
      });
    });
}
