/**
 * `auxctl reg DEV --id NAME [--port N] [--group GRP] [--hex | --raw FILE]`:
 * read one register through ACCESS_REG (Exec at DEBUG_READ_ONLY, the scope
 * fwctl gives register reads): PPCNT decoded by counter group
 * (ppcnt-fields.ts), every other register in the table (register-table.ts)
 * decoded with prm's layout; `--hex` / `--raw FILE` show the register data
 * as firmware returned it. A firmware status other than OK is a REMOTE
 * failure. It must never write a register.
 */
import { PpcntReg, REGISTER_DATA_OFFSET } from '@auxctl/prm';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { execChecked } from './fw-exec.js';
import { layoutFields } from './layout-fields.js';
import { addOutputOptions, type OutputOptions, renderBytes } from './output-modes.js';
import { decodePpcntCounters, groupName, parseLocalPort, parsePpcntGroup } from './ppcnt-fields.js';
import {
  parseRegister,
  REGISTERS,
  type RegisterSpec,
  registerIoBytes,
  registerReadInbox,
} from './register-table.js';

interface RegOptions extends OutputOptions {
  id: RegisterSpec;
  port: number;
  group: number;
}

/** registerReg: add `reg` to `program`. */
export function registerReg(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('reg')
    .description('read a register (ACCESS_REG) and decode it')
    .argument('<device>', 'device (PCI address)')
    .requiredOption(
      '--id <register>',
      `register: ${[...REGISTERS.values()].map((r) => `${r.name} (0x${r.id.toString(16)})`).join(', ')}`,
      parseRegister,
    )
    .option('--port <n>', 'local port (1-based), for PMTU, PAOS and PPCNT', parseLocalPort, 1)
    .option(
      '--group <grp>',
      'PPCNT counter group: ieee_802_3, rfc_2863, ... or a grp number',
      parsePpcntGroup,
      0,
    );
  addOutputOptions(cmd).action(async (device: string, opts: RegOptions, c: Command) => {
    const r = opts.id;
    const ppcnt = r.name === 'PPCNT';
    await ctx.runOnHosts(c, async (client) => {
      const outbox = await execChecked(client, device, {
        scope: 'DEBUG_READ_ONLY',
        inbox: registerReadInbox(r, opts.port, ppcnt ? { grp: opts.group } : {}),
        outLen: registerIoBytes(r),
        what: `ACCESS_REG ${r.name} read`,
        hint: ppcnt ? 'check --port and --group' : r.port ? 'check --port' : 'check --id',
      });
      const data = outbox.subarray(REGISTER_DATA_OFFSET);
      const where = r.port ? ` port ${opts.port}` : '';
      if (!ppcnt || opts.hex || opts.raw !== undefined) {
        return renderBytes(
          {
            head: `device ${device} ${r.name}${where} (${r.layout.name})`,
            bytes: data,
            rows: r.rows?.(data) ?? layoutFields(r.layout, data),
            json: { device, register: r.name, ...(r.port && { port: opts.port }) },
          },
          opts,
        );
      }
      const counters = decodePpcntCounters(data, opts.group);
      const head = `device ${device} PPCNT${where} group ${groupName(opts.group)}`;
      if (counters === undefined) {
        const raw = PpcntReg.view(data, 'counter_set').toString('hex');
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
