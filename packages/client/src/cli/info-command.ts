/**
 * `auxctl info DEV [--scope S]`: open a session (a ctl context) and print
 * what the server says about it: uid, capabilities, taint, max in flight.
 * Owns decoding the uctx capability bits for people; the session is
 * always closed before the command returns.
 */
import type { FwctlScopeName } from '@auxctl/prm';
import { SessionInfo } from '@auxctl/proto/ctl';
import type { Command } from 'commander';
import { parseScope } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { hex32 } from './prm-text.js';

/** UCTX_CAP_BITS: MLX5_UCTX_CAP_* bits of `uctx_cap` / `ucap` (mlx5_ifc.h). */
const UCTX_CAP_BITS: readonly (readonly [number, string])[] = [
  [0x1, 'RAW_TX'],
  [0x2, 'INTERNAL_DEVICE_RESOURCES'],
  [0x4, 'TOOLS_RESOURCES'],
];

/** capNames: the names of the set bits (`0x8` and up as hex). */
export function capNames(mask: number): string[] {
  const names = UCTX_CAP_BITS.filter(([bit]) => (mask & bit) !== 0).map(([, n]) => n);
  const rest = (mask & ~0x7) >>> 0;
  if (rest !== 0) names.push(hex32(rest));
  return names;
}

/** infoText: the context for people. */
export function infoText(device: string, info: SessionInfo): string {
  const caps = (m: number): string => `${hex32(m)} ${capNames(m).join(',') || '-'}`;
  return [
    `device         ${device}`,
    `uid            ${info.uid}`,
    `uctx_cap       ${caps(info.uctxCap)}`,
    `dev_uctx_cap   ${caps(info.devUctxCap)}`,
    `ucap           ${caps(info.ucap)}`,
    `taint          ${info.tainted.length > 0 ? info.tainted.join('; ') : '-'}`,
    `max_in_flight  ${info.maxInFlight}`,
    '',
  ].join('\n');
}

/** registerInfo: add `info` to `program`. */
export function registerInfo(program: Command, ctx: CommandContext): void {
  program
    .command('info')
    .description('open a session on a device and print its context: uid, caps, taint')
    .argument('<device>', 'device (PCI address)')
    .option('--scope <scope>', 'scope to open the session at', parseScope)
    .action(async (device: string, opts: { scope?: FwctlScopeName }, cmd: Command) => {
      const scope = opts.scope ?? 'CONFIGURATION';
      await ctx.runOnHosts(cmd, async (client) => {
        const session = await client.openSession(device, scope);
        try {
          return {
            json: { device, ...(SessionInfo.toJSON(session.info) as object) },
            text: infoText(device, session.info),
          };
        } finally {
          await session.close().catch(() => {});
        }
      });
    });
}
