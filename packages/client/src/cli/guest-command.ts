/**
 * `auxctl guest start|show|stop VF`: a guest on a simulated VF bound to
 * mlx5_vfio_pci, auxctld playing its VMM (SimulatorService), so a live
 * migration (`auxctl migrate`) has a workload whose counters show it
 * carried on: a FLOW guest sends numbered frames to an ECHO guest and
 * counts the echoes that come back, resends, duplicates and completions.
 * Needs DEBUG_WRITE_FULL on the VF's PF. Owns argument checking and
 * rendering.
 */
import { GuestInfo, GuestProgram, guestProgramToJSON } from '@auxctl/proto/simulator';
import { type Command, InvalidArgumentError } from 'commander';
import { parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { usageError } from './exit-codes.js';
import { reportError } from './host-runner.js';
import { parseHwAddr } from './sf-command.js';
import { formatTable } from './text-table.js';

/** StartOptions: the flags of `guest start`. */
export interface GuestStartOptions {
  program: 'flow' | 'echo';
  memoryMib: number;
  peer?: string;
}

/** parseProgram: `flow` or `echo`. */
export function parseProgram(text: string): 'flow' | 'echo' {
  const t = text.trim().toLowerCase();
  if (t !== 'flow' && t !== 'echo') {
    throw new InvalidArgumentError(`the program is flow or echo, not "${text}"`);
  }
  return t;
}

/** startRequest: the StartGuest request the flags ask for; a usage error for a flow without --peer. */
export function startRequest(vf: string, o: GuestStartOptions) {
  if (o.program === 'flow' && o.peer === undefined) {
    throw usageError('a flow guest needs --peer MAC (the echo guest it sends to)');
  }
  if (o.program === 'echo' && o.peer !== undefined) {
    throw usageError('an echo guest answers whoever sends to it: drop --peer');
  }
  return {
    vf,
    program:
      o.program === 'flow' ? GuestProgram.GUEST_PROGRAM_FLOW : GuestProgram.GUEST_PROGRAM_ECHO,
    memoryBytes: o.memoryMib * 1024 * 1024,
    peerMac: o.peer ?? '',
  };
}

/** guestText: one guest as a table. */
export function guestText(g: GuestInfo): string {
  const program = guestProgramToJSON(g.program).replace('GUEST_PROGRAM_', '').toLowerCase();
  return formatTable(
    [
      'VF',
      'PROGRAM',
      'MAC',
      'MEMORY',
      'SENT',
      'ECHOED',
      'RESENT',
      'DUPS',
      'CQE SQ/RQ',
      'CQE ERR',
      'STATE',
    ],
    [
      [
        g.vf,
        program,
        g.mac,
        `${g.memoryBytes / (1024 * 1024)} MiB`,
        String(g.sent),
        String(g.echoed),
        String(g.retransmits),
        String(g.duplicates),
        `${g.sendCompletions}/${g.recvCompletions}`,
        String(g.completionErrors),
        g.running ? 'running' : 'paused',
      ],
    ],
  );
}

const shown = (g: GuestInfo) => ({ json: GuestInfo.toJSON(g), text: guestText(g) });

/** registerGuest: add `guest` and its subcommands to `program`. */
export function registerGuest(program: Command, ctx: CommandContext): void {
  const guest = program
    .command('guest')
    .description(
      'run a guest on a simulated VF bound to mlx5_vfio_pci, auxctld as its VMM (needs DEBUG_WRITE_FULL)',
    );
  guest
    .command('start')
    .description('boot a guest: a flow to an echo peer, or the echo peer')
    .argument('<vf>', "the VF's PCI address")
    .requiredOption('--program <flow|echo>', 'what the guest runs', parseProgram)
    .option('--peer <mac>', 'flow: the MAC of the echo guest it sends to', parseHwAddr)
    .option(
      '--memory-mib <n>',
      'registered memory of the guest, MiB (1..256)',
      (t) => parseIntInRange(t, 1, 256),
      1,
    )
    .action(async (vf: string, o: GuestStartOptions, cmd: Command) => {
      let req: ReturnType<typeof startRequest>;
      try {
        req = startRequest(vf, o);
      } catch (e) {
        ctx.setExit(reportError(ctx.io, e));
        return;
      }
      await ctx.runOnHosts(cmd, async (c) => shown(await c.simulator.startGuest(req)));
    });
  guest
    .command('show')
    .description("a VF's guest and its program's counters")
    .argument('<vf>', "the VF's PCI address")
    .action(async (vf: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => shown(await c.simulator.getGuest(vf)));
    });
  guest
    .command('stop')
    .description('power the guest off: its VF is reset and its memory released')
    .argument('<vf>', "the VF's PCI address")
    .action(async (vf: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        await c.simulator.stopGuest(vf);
        return { json: { vf, stopped: true }, text: `stopped the guest on ${vf}\n` };
      });
    });
}
