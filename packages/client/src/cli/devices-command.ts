/**
 * `auxctl devices [DEV...]`: the devices a server owns — name, state,
 * firmware version, aux devices with their bound drivers, taint.
 * Owns the rendering; never changes a device.
 */
import { type Device, deviceStateToJSON, ListDevicesResponse } from '@auxctl/proto';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
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

/** registerDevices: add `devices` to `program`. */
export function registerDevices(program: Command, ctx: CommandContext): void {
  program
    .command('devices')
    .description('list devices: state, firmware, aux devices and drivers, taint')
    .argument('[devices...]', 'only these devices (PCI addresses)')
    .action(async (names: string[], _opts: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (client) => {
        const devices = await client.listDevices(names);
        return { json: ListDevicesResponse.toJSON({ devices }), text: devicesTable(devices) };
      });
    });
}
