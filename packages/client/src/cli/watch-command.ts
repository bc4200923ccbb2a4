/**
 * `auxctl watch [DEV...] [--snapshot] [--resume-after SEQ]`: stream device
 * events until interrupted (the io's signal), one line per event; with
 * --json one JSON object per line. Watching is one host only: a stream
 * that never ends has no fan-out summary.
 *
 * Owns the one-line rendering of events. An interrupt is a clean end
 * (exit 0); a server error ends the stream with its exit code.
 */
import {
  deviceStateToJSON,
  PortState,
  vdpaDeviceEventKindToJSON,
  WatchDevicesResponse,
} from '@auxctl/proto/devices';
import type { Command } from 'commander';
import type { AuxctlClient } from '../auxctl-client.js';
import { parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { stateName } from './devices-command.js';
import { ExitCode } from './exit-codes.js';
import { connect, reportError, requireOneHost } from './host-runner.js';

interface WatchOptions {
  snapshot?: boolean;
  resumeAfter: number;
}

/** eventLine: `SEQ TIME DEVICE KIND DETAIL` for people. */
export function eventLine(e: WatchDevicesResponse): string {
  const ev = e.event;
  let kind = 'unknown';
  let detail = '';
  if (ev !== undefined) {
    kind = ev.$case;
    switch (ev.$case) {
      case 'snapshot':
        detail = `state=${stateName(ev.snapshot.state)}`;
        break;
      case 'stateChanged':
        detail = `${deviceStateToJSON(ev.stateChanged.previous)} -> ${deviceStateToJSON(ev.stateChanged.state)}`;
        break;
      case 'taint':
        detail = ev.taint.reason;
        break;
      case 'port':
        detail = `port ${ev.port.port} ${ev.port.state === PortState.PORT_STATE_UP ? 'up' : 'down'}`;
        break;
      case 'vdpa': {
        const what = vdpaDeviceEventKindToJSON(ev.vdpa.kind)
          .replace(/^VDPA_DEVICE_EVENT_KIND_/, '')
          .toLowerCase();
        detail = `${ev.vdpa.name} ${what} (mgmtdev ${ev.vdpa.mgmtdev})`;
        break;
      }
      default: {
        const payload = (WatchDevicesResponse.toJSON(e) as Record<string, unknown>)[ev.$case];
        detail = JSON.stringify(payload ?? {});
      }
    }
  }
  return `${e.sequence} ${e.time?.toISOString() ?? '-'} ${e.device || '-'} ${kind} ${detail}`.trimEnd();
}

/** registerWatch: add `watch` to `program`. */
export function registerWatch(program: Command, ctx: CommandContext): void {
  program
    .command('watch')
    .description('stream device events until interrupted')
    .argument('[devices...]', 'only these devices')
    .option('--snapshot', 'start with the current state of each device')
    .option(
      '--resume-after <seq>',
      'continue after this event sequence number',
      (t) => parseIntInRange(t, 0, Number.MAX_SAFE_INTEGER),
      0,
    )
    .action(async (devices: string[], opts: WatchOptions, cmd: Command) => {
      const g = ctx.globals(cmd);
      let client: AuxctlClient;
      try {
        requireOneHost(g, 'watch');
        client = await connect(ctx.io, g);
      } catch (e) {
        ctx.setExit(reportError(ctx.io, e, g.json === true, cmd));
        return;
      }
      try {
        const request = {
          devices,
          sendSnapshot: opts.snapshot === true,
          resumeAfter: opts.resumeAfter,
        };
        for await (const e of client.watchDevices(request, ctx.io.signal)) {
          ctx.io.stdout(
            g.json ? `${JSON.stringify(WatchDevicesResponse.toJSON(e))}\n` : `${eventLine(e)}\n`,
          );
        }
        ctx.setExit(ExitCode.OK);
      } catch (e) {
        ctx.setExit(reportError(ctx.io, e, g.json === true, cmd));
      } finally {
        client.close();
      }
    });
}
