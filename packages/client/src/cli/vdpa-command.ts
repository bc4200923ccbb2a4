/**
 * `auxctl vdpa mgmtdev show` and `auxctl vdpa dev add|del|show|config show|vstats show`:
 * vdpa devices through auxctld's VdpaService, in the words and argument
 * syntax of iproute2's `vdpa` tool (see vdpa-args.ts), as human text or
 * `--json`. The server decides what is allowed (CONFIGURATION scope on the
 * device that serves the management device, by policy).
 */
import { VirtioStatus, virtioFeatureName } from '@auxctl/prm/virtio';
import {
  type GetVdpaQueueResponse,
  ListMgmtDevsResponse,
  ListVdpaDevicesResponse,
  GetVdpaQueueResponse as QueueJson,
  type VdpaDevice,
  type VdpaMgmtDev,
  VdpaQueueState,
  vdpaQueueStateToJSON,
} from '@auxctl/proto/vdpa';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { formatTable } from './text-table.js';
import { parseQueueIndex, parseVdpaAdd } from './vdpa-args.js';

/** statusText: the virtio status byte by bit name (`ACKNOWLEDGE|DRIVER|...`), `0` when reset. */
export function statusText(status: number): string {
  const names = Object.entries(VirtioStatus)
    .filter(([, bit]) => (status & bit) !== 0)
    .map(([name]) => name);
  const known = Object.values(VirtioStatus).reduce((a, b) => a | b, 0);
  if ((status & ~known) !== 0) names.push(`0x${(status & ~known).toString(16)}`);
  return names.length > 0 ? names.join('|') : '0';
}

const features = (bits: readonly number[]) =>
  bits.length > 0 ? bits.map(virtioFeatureName).join(' ') : '-';

/** mgmtdevsText: `vdpa mgmtdev show`, one block per management device. */
export function mgmtdevsText(list: readonly VdpaMgmtDev[]): string {
  if (list.length === 0) return 'no vdpa management devices\n';
  return list
    .map(
      (m) =>
        `${m.name}:\n` +
        `  device ${m.device}\n` +
        `  supported_classes ${m.supportedClasses.join(' ') || '-'}\n` +
        `  max_supported_vqs ${m.maxSupportedVqs}\n` +
        `  dev_features ${features(m.supportedFeatures)}\n` +
        `  config_attrs ${m.configAttrs.join(' ') || '-'}\n`,
    )
    .join('');
}

/** devicesTable: `vdpa dev show` as a table. */
export function devicesTable(list: readonly VdpaDevice[]): string {
  if (list.length === 0) return 'no vdpa devices\n';
  return formatTable(
    ['NAME', 'TYPE', 'MGMTDEV', 'DEVICE', 'DRIVER', 'STATUS', 'MAX_VQS', 'VQ_SIZE'],
    list.map((d) => [
      d.name,
      d.deviceId === 1 ? 'network' : `id ${d.deviceId}`,
      d.mgmtdev,
      d.device,
      d.driver || '-',
      statusText(d.status),
      String(d.maxVqs),
      `${d.minVqSize}-${d.maxVqSize}`,
    ]),
  );
}

/** configText: `vdpa dev config show`, one block per device. */
export function configText(list: readonly VdpaDevice[]): string {
  return list
    .map((d) => {
      const c = d.config;
      if (c === undefined) return `${d.name}: features negotiation not completed\n`;
      const pairs = c.maxVqp > 0 ? ` max_vq_pairs ${c.maxVqp}` : '';
      return (
        `${d.name}: mac ${c.mac} link ${c.linkUp ? 'up' : 'down'} mtu ${c.mtu}${pairs}\n` +
        `  negotiated_features ${features(c.negotiatedFeatures)}\n`
      );
    })
    .join('');
}

/** queueText: `vdpa dev vstats show`, the queue's state then its statistics. */
export function queueText(name: string, q: GetVdpaQueueResponse): string {
  const state =
    q.state === VdpaQueueState.VDPA_QUEUE_STATE_UNSPECIFIED
      ? 'not created'
      : vdpaQueueStateToJSON(q.state)
          .replace(/^VDPA_QUEUE_STATE_/, '')
          .toLowerCase();
  const head =
    `${name}: queue_type ${q.queueType} queue_index ${q.queueIndex} state ${state} ` +
    `size ${q.size} avail_index ${q.availIndex} used_index ${q.usedIndex}\n`;
  const stats = q.stats.length
    ? formatTable(
        ['STAT', 'VALUE'],
        q.stats.map((s) => [s.name, String(s.value)]),
      )
    : '';
  return head + stats;
}

/** registerVdpa: add `vdpa` and its subcommands to `program`. */
export function registerVdpa(program: Command, ctx: CommandContext): void {
  const vdpa = program
    .command('vdpa')
    .description('manage vdpa devices (iproute2 vdpa syntax: keyword value pairs)');
  const mgmtdev = vdpa.command('mgmtdev').description('vdpa management devices');
  mgmtdev
    .command('show')
    .description('show management devices and what they accept')
    .argument('[mgmtdev]', 'bus/device, e.g. auxiliary/mlx5_core.sf.1')
    .action(async (name: string | undefined, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        const mgmtdevs = await c.vdpa.mgmtDevs(name ?? '');
        return { json: ListMgmtDevsResponse.toJSON({ mgmtdevs }), text: mgmtdevsText(mgmtdevs) };
      });
    });
  const dev = vdpa.command('dev').description('vdpa devices');
  dev
    .command('add')
    .description(
      'add a device: name NAME mgmtdev MGMTDEV [mac MAC] [mtu MTU] [max_vqp N] [device_features MASK]',
    )
    .argument('<args...>', 'keyword value pairs')
    .action(async (args: string[], _o: unknown, cmd: Command) => {
      const req = parseVdpaAdd(args);
      await ctx.runOnHosts(cmd, async (c) => {
        const d = await c.vdpa.add(req);
        return { json: ListVdpaDevicesResponse.toJSON({ devices: [d] }), text: devicesTable([d]) };
      });
    });
  dev
    .command('del')
    .description('delete a device')
    .argument('<name>', 'vdpa device name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        await c.vdpa.delete(name);
        return { json: { name, deleted: true }, text: `deleted ${name}\n` };
      });
    });
  dev
    .command('show')
    .description('show devices')
    .argument('[name]', 'vdpa device name (all when omitted)')
    .action(async (name: string | undefined, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        const devices = await c.vdpa.devices(name ? [name] : []);
        return { json: ListVdpaDevicesResponse.toJSON({ devices }), text: devicesTable(devices) };
      });
    });
  dev
    .command('config')
    .description('negotiated configuration')
    .command('show')
    .description('show the configuration a driver negotiated (mac, link, mtu, features)')
    .argument('[name]', 'vdpa device name (all when omitted)')
    .action(async (name: string | undefined, _o: unknown, cmd: Command) => {
      await ctx.runOnHosts(cmd, async (c) => {
        const devices = await c.vdpa.devices(name ? [name] : []);
        return { json: ListVdpaDevicesResponse.toJSON({ devices }), text: configText(devices) };
      });
    });
  dev
    .command('vstats')
    .description('vendor statistics')
    .command('show')
    .description('show one queue: NAME qidx N')
    .argument('<name>', 'vdpa device name')
    .argument('<args...>', 'qidx N')
    .action(async (name: string, args: string[], _o: unknown, cmd: Command) => {
      const qidx = parseQueueIndex(args);
      await ctx.runOnHosts(cmd, async (c) => {
        const q = await c.vdpa.queue(name, qidx);
        return { json: { name, ...(QueueJson.toJSON(q) as object) }, text: queueText(name, q) };
      });
    });
}
