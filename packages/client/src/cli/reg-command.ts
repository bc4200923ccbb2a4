/**
 * `auxctl reg DEV --id PPCNT [--port 1] [--group ieee_802_3|rfc_2863|...]`:
 * read one register through ACCESS_REG (Exec at DEBUG_READ_ONLY, the scope
 * fwctl gives register reads) and decode its counters (ppcnt-fields.ts).
 * Groups without a decoder print the raw counter_set. A firmware status
 * other than OK is a REMOTE failure. It must never write a register.
 */
import { PpcntReg, REGISTER_DATA_OFFSET } from '@auxctl/prm';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { execChecked } from './fw-exec.js';
import {
  decodePpcntCounters,
  groupName,
  PPCNT_IO_BYTES,
  parseLocalPort,
  parsePpcntGroup,
  parseRegisterId,
  ppcntReadInbox,
} from './ppcnt-fields.js';

interface RegOptions {
  id: number;
  port: number;
  group: number;
}

/** registerReg: add `reg` to `program`. */
export function registerReg(program: Command, ctx: CommandContext): void {
  program
    .command('reg')
    .description('read a register (ACCESS_REG) and decode it; PPCNT port counters')
    .argument('<device>', 'device (PCI address)')
    .requiredOption('--id <register>', 'register: PPCNT (0x5008)', parseRegisterId)
    .option('--port <n>', 'local port (1-based)', parseLocalPort, 1)
    .option(
      '--group <grp>',
      'PPCNT counter group: ieee_802_3, rfc_2863, ... or a grp number',
      parsePpcntGroup,
      0,
    )
    .action(async (device: string, opts: RegOptions, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const outbox = await execChecked(client, device, {
          scope: 'DEBUG_READ_ONLY',
          inbox: ppcntReadInbox(opts.port, opts.group),
          outLen: PPCNT_IO_BYTES,
          what: 'ACCESS_REG PPCNT read',
          hint: 'check --port and --group',
        });
        const reg = outbox.subarray(REGISTER_DATA_OFFSET);
        const counters = decodePpcntCounters(reg, opts.group);
        const head = `device ${device} PPCNT port ${opts.port} group ${groupName(opts.group)}`;
        if (counters === undefined) {
          const raw = PpcntReg.view(reg, 'counter_set').toString('hex');
          return {
            json: { raw },
            text: `${head}\n(this group is not decoded; raw counter_set)\nraw ${raw}\n`,
          };
        }
        const width = Math.max(...Object.keys(counters).map((k) => k.length)) + 2;
        const lines = Object.entries(counters).map(([k, v]) => `${k.padEnd(width)}${v}`);
        return { json: counters, text: `${[head, ...lines].join('\n')}\n` };
      });
    });
}
