/**
 * `auxctl devices [DEV...]`: the devices a server owns — name, state,
 * firmware version, aux devices with their bound drivers, taint.
 * Owns the rendering; never changes a device.
 */
import { type Device, deviceStateToJSON, ListDevicesResponse } from '@auxctl/proto/devices';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { portStateName } from './sf-command.js';
import { formatTable } from './text-table.js';

/** stateName: `DEVICE_STATE_UP` -> `up`. */
export function stateName(state: Device['state']): string {
  return deviceStateToJSON(state)
    .replace(/^DEVICE_STATE_/, '')
    .toLowerCase();
}

/** devicesTable: one row per device; aux devices as `name=driver` (`-` when unbound). */
export function devicesTable(devices: readonly Device[]): string {
  const rows = devices.map((d) => [
    d.name,
    stateName(d.state),
    d.identity?.fwVersion || '-',
    d.auxDevices
      .map((a) => `${a.name}=${a.driver || '-'}${a.suspended ? '(suspended)' : ''}`)
      .join(',') || '-',
    d.taintReasons.length > 0 ? d.taintReasons.join('; ') : '-',
  ]);
  return formatTable(['DEVICE', 'STATE', 'FW', 'AUX DEVICES', 'TAINT'], rows);
}

/**
 * devicesTree: PFs with their sub-function ports and the SFs' own devices
 * under them, then their VFs' devices, each device with its aux devices:
 *
 *   0000:08:00.0 up fw 22.41.1000
 *   ├─ mlx5_core.eth.0 = mlx5_core.eth
 *   └─ sf 1 (sfnum 88) attached 02:00:00:00:00:58
 *      └─ 0000:08:00.0-sf88 up ...
 *   └─ 0000:08:00.2 up fw 22.41.1000
 *      └─ mlx5_core.eth.3 = mlx5_core.eth
 */
export function devicesTree(devices: readonly Device[]): string {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const lines: string[] = [];
  const deviceLine = (d: Device): string =>
    `${d.name} ${stateName(d.state)} fw ${d.identity?.fwVersion || '-'}${d.taintReasons.length > 0 ? ` tainted (${d.taintReasons.join('; ')})` : ''}`;
  const emit = (d: Device, indent: string): void => {
    const items: { text: string; child?: Device; own?: Device }[] = d.auxDevices.map((a) => ({
      text: `${a.name} = ${a.driver || '(unbound)'}${a.suspended ? ' (suspended)' : ''}`,
    }));
    for (const p of d.portFunctions) {
      const child = p.device ? byName.get(p.device) : undefined;
      items.push({
        text: `sf ${p.index} (pfnum ${p.pfnum} sfnum ${p.sfnum}) ${portStateName(p.state)}${p.hwAddr ? ` ${p.hwAddr}` : ''}`,
        ...(child && { child }),
      });
    }
    // Children reached through no port (a PF's SR-IOV VFs) hang under it directly.
    const viaPort = new Set(d.portFunctions.map((p) => p.device));
    const direct = devices.filter((c) => c.parent === d.name && !viaPort.has(c.name));
    items.push(...direct.map((c) => ({ text: deviceLine(c), own: c })));
    items.forEach((it, i) => {
      const last = i === items.length - 1;
      lines.push(`${indent}${last ? '└─ ' : '├─ '}${it.text}`);
      const next = `${indent}${last ? '   ' : '│  '}`;
      if (it.own) emit(it.own, next);
      if (it.child) {
        lines.push(`${next}└─ ${deviceLine(it.child)}`);
        emit(it.child, `${next}   `);
      }
    });
  };
  for (const d of devices.filter((x) => !x.parent || !byName.has(x.parent))) {
    lines.push(deviceLine(d));
    emit(d, '');
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** registerDevices: add `devices` to `program`. */
export function registerDevices(program: Command, ctx: CommandContext): void {
  program
    .command('devices')
    .description('list devices: state, firmware, aux devices and drivers, taint')
    .argument('[devices...]', 'only these devices (PCI addresses)')
    .option('--tree', 'show PFs, their sub-functions and every aux device as a tree')
    .action(async (names: string[], opts: { tree?: boolean }, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const devices = await client.listDevices(names);
        return {
          json: ListDevicesResponse.toJSON({ devices }),
          text: opts.tree ? devicesTree(devices) : devicesTable(devices),
        };
      });
    });
}
