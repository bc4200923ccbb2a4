import type { Command } from 'commander';
import { queryCapability } from './cap-query.js';
import type { CommandContext } from './command-context.js';
import { CAP_TYPES, decodeGeneralCaps, parseCapId, parseCapMode } from './hca-cap-fields.js';

interface CapOptions {
  id: number;
  mode: 'cur' | 'max';
  raw?: boolean;
}

/** capTypeName: `general` for 0, the number in hex otherwise unless named. */
function capTypeName(capType: number): string {
  for (const [name, n] of CAP_TYPES) if (n === capType) return name;
  return `0x${capType.toString(16)}`;
}

/** registerCap: add `cap` to `program`. */
export function registerCap(program: Command, ctx: CommandContext): void {
  program
    .command('cap')
    .description('query device capabilities (QUERY_HCA_CAP) and decode the general ones')
    .argument('<device>', 'device (PCI address)')
    .option('--id <cap>', 'capability: general, roce, debug or a cap_type number', parseCapId, 0)
    .option('--mode <mode>', 'cur (current values) or max', parseCapMode, 'cur' as const)
    .option('--raw', 'also print the capability bytes as hex')
    .action(async (device: string, opts: CapOptions, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const capability = await queryCapability(client, device, opts.id, opts.mode, 'check --id');
        const fields = opts.id === 0 ? decodeGeneralCaps(capability) : {};
        const raw = capability.toString('hex');
        const lines = Object.entries(fields).map(([k, v]) => `${k.padEnd(22)}${v}`);
        if (opts.id !== 0 && !opts.raw)
          lines.push('(only the general capability is decoded; use --raw)');
        if (opts.raw) lines.push(`raw ${raw}`);
        return {
          json: {
            device,
            capType: capTypeName(opts.id),
            mode: opts.mode,
            fields,
            ...(opts.raw && { raw }),
          },
          text: `${[`device ${device} cap ${capTypeName(opts.id)} (${opts.mode})`, ...lines].join('\n')}\n`,
        };
      });
    });
}
