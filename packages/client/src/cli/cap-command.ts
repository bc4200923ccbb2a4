/**
 * `auxctl cap DEV [--id TYPE] [--mode cur|max] [--hex | --raw FILE]`: one
 * capability (QUERY_HCA_CAP) of a device, decoded with prm's layout of its
 * type (general, roce, debug, vdpa_emulation; others print as hex), as
 * hex, or written byte for byte — mlx5ctl's `cap`, remotely.
 */
import type { Command } from 'commander';
import { queryCapability } from './cap-query.js';
import type { CommandContext } from './command-context.js';
import { CAP_LAYOUTS, CAP_TYPES, parseCapId, parseCapMode } from './hca-cap-fields.js';
import { layoutFields } from './layout-fields.js';
import { addOutputOptions, type OutputOptions, renderBytes } from './output-modes.js';

interface CapOptions extends OutputOptions {
  id: number;
  mode: 'cur' | 'max';
}

/** capTypeName: `general` for 0, the number in hex otherwise unless named. */
function capTypeName(capType: number): string {
  for (const [name, n] of CAP_TYPES) if (n === capType) return name;
  return `0x${capType.toString(16)}`;
}

/** registerCap: add `cap` to `program`. */
export function registerCap(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('cap')
    .description('query a device capability (QUERY_HCA_CAP) and decode it')
    .argument('<device>', 'device (PCI address)')
    .option(
      '--id <cap>',
      `capability: ${[...CAP_TYPES.keys()].join(', ')} or a cap_type number`,
      parseCapId,
      0,
    )
    .option('--mode <mode>', 'cur (current values) or max', parseCapMode, 'cur' as const);
  addOutputOptions(cmd).action(async (device: string, opts: CapOptions, c: Command) => {
    await ctx.runOnHosts(c, async (client) => {
      const capability = await queryCapability(client, device, opts.id, opts.mode, 'check --id');
      const layout = CAP_LAYOUTS.get(opts.id);
      const name = capTypeName(opts.id);
      return renderBytes(
        {
          head: `device ${device} cap ${name} (${opts.mode})${layout ? ` (${layout.name})` : ''}`,
          bytes: capability,
          rows: layout && layoutFields(layout, capability),
          json: { device, capType: name, mode: opts.mode },
        },
        opts,
      );
    });
  });
}
