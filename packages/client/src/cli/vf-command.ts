/**
 * `auxctl vf list|numvfs|autoprobe|set|bind|unbind`: a PF's SR-IOV virtual
 * functions, through auxctld's PciService — the sysfs writes an operator
 * makes on a host (sriov_numvfs, sriov_drivers_autoprobe, driver_override
 * and bind/unbind) and devlink's `port function set` on a VF's port.
 * Owns argument checking and rendering; the server decides what is
 * allowed (CONFIGURATION scope on the PF, by policy).
 */
import { ListFunctionsResponse, PciFunction } from '@auxctl/proto/pci';
import type { Command } from 'commander';
import { parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { parseHwAddr, parseOnOff } from './sf-command.js';
import { formatTable } from './text-table.js';

const hex4 = (n: number) => n.toString(16).padStart(4, '0');
const onOff = (b: boolean) => (b ? 'on' : 'off');

/** VF_LEGEND: what the columns mean, printed under each table. */
export const VF_LEGEND = `
VF          the VF index (vf set takes it); a PF row shows its sriov_numvfs/sriov_totalvfs
DRIVER      the PCI driver bound now; OVERRIDE is driver_override (vf bind sets it)
DEVICE      the function's own device while mlx5_core drives it: give it to devices, cap, rpc
`;

/** pciFunctionsTable: one row per function, and what the columns mean. */
export function pciFunctionsTable(fns: readonly PciFunction[]): string {
  const rows = fns.map((f) => [
    f.bdf,
    f.sriov ? `${f.sriov.numVfs}/${f.sriov.totalVfs}` : String(f.vfIndex ?? '-'),
    `${hex4(f.vendorId)}:${hex4(f.deviceId)}`,
    f.driver || '-',
    f.driverOverride || '-',
    f.port?.hwAddr || '-',
    f.port ? onOff(f.port.roce) : '-',
    f.port ? onOff(f.port.migratable) : '-',
    f.sriov ? `autoprobe ${onOff(f.sriov.driversAutoprobe)}` : '',
    f.device || '-',
  ]);
  const header = [
    'BDF',
    'VF',
    'ID',
    'DRIVER',
    'OVERRIDE',
    'HW ADDR',
    'ROCE',
    'MIGRATABLE',
    '',
    'DEVICE',
  ];
  return `${formatTable(header, rows)}${VF_LEGEND}`;
}

function many(fns: PciFunction[]): { json: unknown; text: string } {
  return { json: ListFunctionsResponse.toJSON({ functions: fns }), text: pciFunctionsTable(fns) };
}

function one(f: PciFunction): { json: unknown; text: string } {
  return { json: PciFunction.toJSON(f), text: pciFunctionsTable([f]) };
}

const count = (t: string) => parseIntInRange(t, 0, 0xffff);

/** registerVf: add `vf` and its subcommands to `program`. */
export function registerVf(program: Command, ctx: CommandContext): void {
  const vf = program
    .command('vf')
    .description("manage a PF's SR-IOV virtual functions (sriov_numvfs, VF ports, driver binding)");
  vf.command('list')
    .description('list a PF and its VFs (every PF you may configure when none is named)')
    .argument('[device]', 'PF device (PCI address)')
    .action(async (device: string | undefined, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => many(await c.pci.list(device ?? '')));
    });
  vf.command('numvfs')
    .description("set the PF's number of VFs (sriov_numvfs); 0 removes them")
    .argument('<device>', 'PF device (PCI address)')
    .argument('<n>', 'number of VFs', count)
    .action(async (device: string, n: number, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => many(await c.pci.setNumVfs(device, n)));
    });
  vf.command('autoprobe')
    .description('whether new VFs bind to drivers by themselves (sriov_drivers_autoprobe)')
    .argument('<device>', 'PF device (PCI address)')
    .argument('<on|off>', 'on or off', parseOnOff)
    .action(async (device: string, on: boolean, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => one(await c.pci.setAutoprobe(device, on)));
    });
  vf.command('set')
    .description("configure a VF's port function (the VF must be unbound)")
    .argument('<device>', 'PF device (PCI address)')
    .argument('<vf>', 'VF index', count)
    .option('--hw-addr <mac>', 'MAC address of the VF', parseHwAddr)
    .option('--roce <on|off>', 'whether the VF may use RoCE', parseOnOff)
    .option('--migratable <on|off>', "whether the VF's live state may be migrated", parseOnOff)
    .action(
      async (
        device: string,
        index: number,
        o: { hwAddr?: string; roce?: boolean; migratable?: boolean },
        cmd: Command,
      ) => {
        await ctx.runOnHosts(cmd, async (c) => one(await c.pci.setVf(device, index, o)));
      },
    );
  vf.command('bind')
    .description('bind a VF to a driver (sets driver_override; "" clears it)')
    .argument('<bdf>', "the VF's PCI address")
    .argument('<driver>', 'PCI driver name, e.g. mlx5_core or mlx5_vfio_pci')
    .action(async (bdf: string, driver: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => one(await c.pci.bind(bdf, driver)));
    });
  vf.command('unbind')
    .description('unbind a VF from its driver')
    .argument('<bdf>', "the VF's PCI address")
    .action(async (bdf: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => one(await c.pci.unbind(bdf)));
    });
}
