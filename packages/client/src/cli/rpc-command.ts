/**
 * `auxctl rpc DEV --scope S --in HEX --out-len N`: one raw firmware RPC.
 * Prints the status and syndrome from the outbox header and the outbox in
 * hex. A non-OK firmware status is data here (exit 0), as on the wire;
 * only failures before the firmware (scope, device, transport) set an
 * exit code.
 */
import type { FwctlScopeName } from '@auxctl/prm';
import type { Command } from 'commander';
import { MAX_CMD_BYTES, MIN_CMD_BYTES, parseInbox, parseOutLen, parseScope } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { hex32, outboxStatus } from './prm-text.js';

interface RpcOptions {
  scope: FwctlScopeName;
  in: Buffer;
  outLen: number;
}

/** hexLines: 32 bytes per line with the byte offset, for reading an outbox by eye. */
export function hexLines(bytes: Buffer): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 32) {
    lines.push(
      `${at.toString(16).padStart(5, '0')}  ${bytes.subarray(at, at + 32).toString('hex')}`,
    );
  }
  return lines.join('\n');
}

/** registerRpc: add `rpc` to `program`. */
export function registerRpc(program: Command, ctx: CommandContext): void {
  program
    .command('rpc')
    .description('run one raw firmware RPC and print its outbox')
    .argument('<device>', 'device (PCI address)')
    .requiredOption(
      '--scope <scope>',
      'configuration, debug_read_only, debug_write, debug_write_full',
      parseScope,
    )
    .requiredOption(
      '--in <hex>',
      `inbox bytes in hex, ${MIN_CMD_BYTES}..${MAX_CMD_BYTES} bytes (16-byte header first)`,
      parseInbox,
    )
    .requiredOption(
      '--out-len <bytes>',
      `outbox bytes to return (${MIN_CMD_BYTES}..${MAX_CMD_BYTES})`,
      parseOutLen,
    )
    .action(async (device: string, opts: RpcOptions, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const outbox = await client.exec(device, opts.scope, opts.in, opts.outLen);
        const st = outboxStatus(outbox);
        return {
          json: { device, ...st, outbox: outbox.toString('hex') },
          text: `status ${st.statusName} (0x${st.status.toString(16)}) syndrome ${hex32(st.syndrome)}\n${hexLines(outbox)}\n`,
        };
      });
    });
}
