/**
 * `auxctl cap DEV [--id general] [--mode cur|max] [--raw]`: QUERY_HCA_CAP
 * through Exec at CONFIGURATION scope; the general capability is decoded
 * to a few named fields (hca-cap-fields.ts), any capability can be shown
 * raw. A firmware status other than OK is a REMOTE failure.
 */
import { RpcScope } from '@auxctl/proto';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { CliError, ExitCode } from './exit-codes.js';
import {
  CAP_TYPES,
  decodeGeneralCaps,
  parseCapId,
  parseCapMode,
  QUERY_HCA_CAP_OUT_BYTES,
  queryHcaCapInbox,
} from './hca-cap-fields.js';
import { CMD_HDR_BYTES, hex32, outboxStatus } from './prm-fields.js';

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
        const inbox = queryHcaCapInbox(opts.id, opts.mode);
        const outbox = await client.exec(
          device,
          RpcScope.RPC_SCOPE_CONFIGURATION,
          inbox,
          QUERY_HCA_CAP_OUT_BYTES,
        );
        const st = outboxStatus(outbox);
        if (st.status !== 0) {
          throw new CliError(
            ExitCode.REMOTE,
            'FW_STATUS',
            `QUERY_HCA_CAP failed: status ${st.statusName}, syndrome ${hex32(st.syndrome)}; check --id`,
          );
        }
        const capability = outbox.subarray(CMD_HDR_BYTES);
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
