/**
 * `auxctl fault inject|clear|list DEVICE`: make a simulated device fail on
 * purpose through auxctld's SimulatorService, to test management software
 * against NIC failures: a firmware fatal error, a per-opcode delay, lost
 * completions, a forced command status. The server allows it only at
 * DEBUG_WRITE_FULL by policy and audits each change; a device that is not
 * simulated answers UNIMPLEMENTED. Owns argument checking and rendering.
 */
import type { ArmedFault, InjectFaultRequest } from '@auxctl/proto/simulator';
import type { Command } from 'commander';
import { parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { usageError } from './exit-codes.js';
import { reportError } from './host-runner.js';
import { hex16 } from './prm-text.js';
import { formatTable } from './text-table.js';

/** InjectOptions: the flags of `fault inject`. */
export interface InjectOptions {
  fatal?: boolean;
  delayMs?: number;
  loseCompletion?: boolean;
  status?: number;
  opcode?: number;
  count?: number;
  syndrome?: number;
  extSyndrome?: number;
}

const u32 = (t: string) => parseIntInRange(t, 0, 0xffff_ffff);
const opcode = (t: string) => parseIntInRange(t, 0, 0xffff);

/** parseCount: a number of commands 1..2^31-1, or `all` (every command until cleared). */
export function parseCount(text: string): number {
  if (text.trim() === 'all') return 0;
  return parseIntInRange(text, 1, 0x7fff_ffff);
}

/** faultOf: the one fault the flags name; a usage error for none, several, or a missing --opcode. */
export function faultOf(o: InjectOptions): NonNullable<InjectFaultRequest['fault']> {
  const kinds = [o.fatal, o.delayMs !== undefined, o.loseCompletion, o.status !== undefined];
  if (kinds.filter(Boolean).length !== 1) {
    throw usageError('name one fault: --fatal, --delay-ms MS, --lose-completion or --status N');
  }
  if (o.fatal) {
    return {
      $case: 'fatal',
      fatal: { syndrome: o.syndrome ?? 0, extSyndrome: o.extSyndrome ?? 0 },
    };
  }
  if (o.opcode === undefined) throw usageError('this fault needs --opcode (e.g. 0x80d for NOP)');
  const count = o.count ?? 1;
  if (o.delayMs !== undefined) {
    return { $case: 'delay', delay: { opcode: o.opcode, delayMs: o.delayMs } };
  }
  if (o.loseCompletion) {
    return { $case: 'loseCompletion', loseCompletion: { opcode: o.opcode, count } };
  }
  return {
    $case: 'forceStatus',
    forceStatus: { opcode: o.opcode, status: o.status ?? 0, syndrome: o.syndrome ?? 0, count },
  };
}

/** faultsText: the armed transport faults as a table. */
export function faultsText(armed: readonly ArmedFault[]): string {
  if (armed.length === 0) return 'no transport faults armed\n';
  return formatTable(
    ['KIND', 'OPCODE', 'NAME', 'VALUE'],
    armed.map((f) => [
      f.kind,
      hex16(f.opcode),
      f.opcodeName,
      f.untilCleared ? 'until cleared' : f.kind === 'delay' ? `${f.value} ms` : `${f.value} left`,
    ]),
  );
}

/** registerFault: add `fault` and its subcommands to `program`. */
export function registerFault(program: Command, ctx: CommandContext): void {
  const fault = program
    .command('fault')
    .description('inject, list and clear faults of a simulated device (needs DEBUG_WRITE_FULL)');
  fault
    .command('inject')
    .description('arm one fault: --fatal, --delay-ms, --lose-completion or --status')
    .argument('<device>', 'device (PCI address or SF device name)')
    .option('--fatal', 'firmware fatal error: the device stops answering, health reports it')
    .option(
      '--delay-ms <ms>',
      'every command of --opcode completes this much later (0 removes)',
      (t) => parseIntInRange(t, 0, 3_600_000),
    )
    .option('--lose-completion', 'commands of --opcode are accepted and never completed')
    .option('--status <n>', 'commands of --opcode fail with this command status (1..255)', (t) =>
      parseIntInRange(t, 1, 255),
    )
    .option(
      '--opcode <op>',
      'the opcode a delay, lost completion or status hits (e.g. 0x80d)',
      opcode,
    )
    .option('--count <n|all>', 'how many commands a lost completion or status hits', parseCount, 1)
    .option('--syndrome <n>', 'health syndrome (--fatal) or outbox syndrome (--status)', u32)
    .option('--ext-syndrome <n>', 'extended health syndrome (--fatal)', u32)
    .action(async (device: string, o: InjectOptions, cmd: Command) => {
      let f: NonNullable<InjectFaultRequest['fault']>;
      try {
        f = faultOf(o);
      } catch (e) {
        ctx.setExit(reportError(ctx.io, e));
        return;
      }
      await ctx.runOnHosts(cmd, async (c) => {
        const armed = await c.simulator.injectFault(device, f);
        return {
          json: { device, injected: f.$case, armed },
          text: `injected ${f.$case} on ${device}\n${faultsText(armed)}`,
        };
      });
    });
  fault
    .command('list')
    .description('list the armed transport faults (delays, lost completions)')
    .argument('<device>', 'device')
    .action(async (device: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        const armed = await c.simulator.listFaults(device);
        return { json: { device, armed }, text: faultsText(armed) };
      });
    });
  fault
    .command('clear')
    .description('disarm every fault (a fatal error stays until the device recovers)')
    .argument('<device>', 'device')
    .action(async (device: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        await c.simulator.clearFaults(device);
        return { json: { device, cleared: true }, text: `cleared the faults of ${device}\n` };
      });
    });
}
