/**
 * `auxctl sf add|set|activate|deactivate|delete|list`: the sub-function
 * ports of a PF device (devlink port functions), through auxctld's
 * PortFunctionService. Owns argument checking and rendering; the server
 * decides what is allowed (CONFIGURATION scope on the PF, by policy).
 */
import {
  PortFunction,
  type PortFunctionState,
  portFunctionStateToJSON,
} from '@auxctl/proto/devices';
import { ListResponse } from '@auxctl/proto/port-functions';
import { type Command, InvalidArgumentError } from 'commander';
import { parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { formatTable } from './text-table.js';

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i;

/** parseHwAddr: `aa:bb:cc:dd:ee:ff` (unicast, not all zeros), lower-cased. */
export function parseHwAddr(text: string): string {
  const t = text.trim().toLowerCase();
  if (!MAC.test(t)) throw new InvalidArgumentError('expected a MAC address like 02:00:00:00:00:01');
  if ((Number.parseInt(t.slice(0, 2), 16) & 1) === 1) {
    throw new InvalidArgumentError('a function needs a unicast MAC address (first octet even)');
  }
  if (t === '00:00:00:00:00:00') throw new InvalidArgumentError('the MAC address cannot be zero');
  return t;
}

/** parseOnOff: `on` / `off` (also true/false, yes/no, 1/0). */
export function parseOnOff(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (['on', 'true', 'yes', '1'].includes(t)) return true;
  if (['off', 'false', 'no', '0'].includes(t)) return false;
  throw new InvalidArgumentError('expected on or off');
}

/** portStateName: `PORT_FUNCTION_STATE_ATTACHED` -> `attached`. */
export function portStateName(state: PortFunctionState): string {
  return portFunctionStateToJSON(state)
    .replace(/^PORT_FUNCTION_STATE_/, '')
    .toLowerCase();
}

/**
 * PORT_LEGEND: the three numbers a port carries, printed under each table,
 * since they differ: the port index (what sf commands take), the SF number
 * the user chose, and the aux device id the bus gave the SF's device.
 */
export const PORT_LEGEND = `
INDEX       the port index: sf set, activate, deactivate and delete take it
SFNUM       the sub-function number chosen with --sfnum (devlink's pf<PFNUM>sf<SFNUM>)
AUX DEVICE  the SF on the PF's auxiliary bus: mlx5_core.sf.<N>, N numbered by the bus, not SFNUM
DEVICE      the SF's own device once active: give this name to devices, cap, rpc, coredump
`;

/** portFunctionsTable: one row per port, and what its numbers mean. */
export function portFunctionsTable(ports: readonly PortFunction[]): string {
  return `${portRows(ports)}${PORT_LEGEND}`;
}

function portRows(ports: readonly PortFunction[]): string {
  return formatTable(
    ['INDEX', 'PFNUM', 'SFNUM', 'STATE', 'HW ADDR', 'ROCE', 'AUX DEVICE', 'DEVICE'],
    ports.map((p) => [
      String(p.index),
      String(p.pfnum),
      String(p.sfnum),
      portStateName(p.state),
      p.hwAddr || '-',
      p.roce ? 'on' : 'off',
      p.auxDevice || '-',
      p.device || '-',
    ]),
  );
}

const index = (t: string) => parseIntInRange(t, 0, 0xffff_ffff);
const u32 = (t: string) => parseIntInRange(t, 0, 0xffff_ffff);

function one(p: PortFunction): { json: unknown; text: string } {
  return { json: PortFunction.toJSON(p), text: portFunctionsTable([p]) };
}

/** registerSf: add `sf` and its subcommands to `program`. */
export function registerSf(program: Command, ctx: CommandContext): void {
  const sf = program
    .command('sf')
    .description('manage the sub-functions of a PF device (port functions)');
  sf.command('add')
    .description('add an inactive sub-function port')
    .argument('<device>', 'PF device (PCI address)')
    .requiredOption('--sfnum <n>', 'sub-function number (unique on the device)', u32)
    .option('--pfnum <n>', 'PF number', u32, 0)
    .action(async (device: string, o: { sfnum: number; pfnum: number }, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => one(await c.sf.add(device, o.pfnum, o.sfnum)));
    });
  sf.command('set')
    .description('configure an inactive port')
    .argument('<device>', 'PF device (PCI address)')
    .argument('<index>', 'port index', index)
    .option('--hw-addr <mac>', 'MAC address of the function', parseHwAddr)
    .option('--roce <on|off>', 'whether the function may use RoCE', parseOnOff)
    .option('--max-uctx <n>', 'most user contexts the function may create', u32)
    .action(
      async (
        device: string,
        at: number,
        o: { hwAddr?: string; roce?: boolean; maxUctx?: number },
        cmd: Command,
      ) => {
        await ctx.runOnHosts(cmd, async (c) => one(await c.sf.set(device, at, o)));
      },
    );
  for (const [name, what] of [
    ['activate', 'enable the function and bring its device up'],
    ['deactivate', "take the function's device down and disable it"],
  ] as const) {
    sf.command(name)
      .description(what)
      .argument('<device>', 'PF device (PCI address)')
      .argument('<index>', 'port index', index)
      .action(async (device: string, at: number, _o: unknown, cmd: Command) => {
        await ctx.runOnHosts(cmd, async (c) =>
          one(
            await (name === 'activate' ? c.sf.activate(device, at) : c.sf.deactivate(device, at)),
          ),
        );
      });
  }
  sf.command('delete')
    .description('remove a port (deactivated first when needed)')
    .argument('<device>', 'PF device (PCI address)')
    .argument('<index>', 'port index', index)
    .action(async (device: string, at: number, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        await c.sf.delete(device, at);
        return { json: { device, index: at, deleted: true }, text: `deleted port ${at}\n` };
      });
    });
  sf.command('list')
    .description('list the ports of a PF device')
    .argument('<device>', 'PF device (PCI address)')
    .action(async (device: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        const ports = await c.sf.list(device);
        return {
          json: ListResponse.toJSON({ portFunctions: ports }),
          text: portFunctionsTable(ports),
        };
      });
    });
}
