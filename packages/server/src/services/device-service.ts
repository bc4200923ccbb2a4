/**
 * DeviceService: ListDevices, GetHealth, RecoverHealthReporter and
 * WatchDevices over the served devices (DeviceSources). A recovery needs
 * CONFIGURATION on the device and is audited with its outcome.
 *
 * Owns which devices a caller sees (the policy decides per device; a name
 * asked for explicitly and denied is PERMISSION_DENIED whether it exists or
 * not, an allowed unknown one NOT_FOUND; listing or watching devices when none is visible is
 * PERMISSION_DENIED) and the flow control of WatchDevices: when the transport
 * refuses a write, events for that client are dropped and counted until it
 * drains, then one `events_lost` says what was missed. It must never buffer
 * events per client beyond what grpc-js already accepted, and never change
 * a device except by an authorized recovery.
 */

import type { Logger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import {
  type DeviceServiceServer,
  EventsLostReason,
  type GetHealthRequest,
  type GetHealthResponse,
  HealthReporterName,
  type ListDevicesRequest,
  type ListDevicesResponse,
  PortFunction,
  PortState,
  type RecoverHealthReporterRequest,
  type RecoverHealthReporterResponse,
  ReloadCause,
  ReloadPhase,
  VdpaDeviceEventKind,
  type WatchDevicesRequest,
  type WatchDevicesResponse,
} from '@auxctl/proto';
import type { ServerWritableStream } from '@grpc/grpc-js';
import type { DeviceEventLog, LoggedEvent } from '../devices/device-event-log.js';
import { DEVICE_STATES, PORT_FUNCTION_STATES } from '../devices/device-snapshot.js';
import type { DeviceSources } from '../devices/device-sources.js';
import { authorizedCall, authorizeTarget, type CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, serverStream, unary } from '../grpc/handler-adapters.js';
import { auditedChange } from './audited-change.js';

const SERVICE = 'auxctl.v1.DeviceService';
const HEALTH_LINES = { ok: 'health reporter recovered', failed: 'health reporter recovery failed' };

const VDPA_KINDS = {
  added: VdpaDeviceEventKind.VDPA_DEVICE_EVENT_KIND_ADDED,
  removed: VdpaDeviceEventKind.VDPA_DEVICE_EVENT_KIND_REMOVED,
  'needs-reset': VdpaDeviceEventKind.VDPA_DEVICE_EVENT_KIND_NEEDS_RESET,
} as const;

/** visibleDevices: the names asked for (all when empty) that the caller may see. */
function visibleDevices(
  devices: DeviceSources,
  ctx: CallContext,
  asked: readonly string[],
): string[] {
  const { decide, authorize } = authorizedCall(ctx);
  if (asked.length > 0) {
    // Every name is authorized before any is looked up: a refusal tells nothing of existence.
    for (const name of asked) authorize({ device: name });
    for (const name of asked) devices.device(name);
    return [...new Set(asked)];
  }
  return devices
    .devices()
    .map((d) => d.name)
    .filter((name) => decide({ device: name }).allowed);
}

/** deviceServiceImpl: the DeviceService handlers. */
export function deviceServiceImpl(
  env: AdapterEnv,
  devices: DeviceSources,
  events: DeviceEventLog,
  audit: Logger,
): DeviceServiceServer {
  return {
    listDevices: unary<ListDevicesRequest, ListDevicesResponse>(
      env,
      `${SERVICE}/ListDevices`,
      async (req, ctx) => {
        const names = new Set(visibleDevices(devices, ctx, req.devices));
        // Seeing no device is a denial (audited), not an empty answer: ask the
        // policy for the call without a device, which only a rule for every device grants.
        if (names.size === 0) authorizeTarget(ctx, {});
        return {
          devices: devices
            .devices()
            .filter((d) => names.has(d.name))
            .map((d) => d.describe()),
        };
      },
    ),
    getHealth: unary<GetHealthRequest, GetHealthResponse>(
      env,
      `${SERVICE}/GetHealth`,
      async (req, ctx) => {
        authorizeTarget(ctx, { device: req.device });
        const device = devices.device(req.device);
        return { device: req.device, reporters: device.healthReports(req.reporters) };
      },
    ),
    recoverHealthReporter: unary<RecoverHealthReporterRequest, RecoverHealthReporterResponse>(
      env,
      `${SERVICE}/RecoverHealthReporter`,
      async (req, ctx) => {
        authorizeTarget(ctx, { device: req.device, scope: 'CONFIGURATION' });
        const device = devices.device(req.device);
        const recover = device.healthRecover?.bind(device);
        if (!recover) throw new AuxError('EOPNOTSUPP', `${req.device} has no health reporters`);
        const entry = {
          event: 'health',
          principal: ctx.principal,
          device: req.device,
          action: 'recover',
          reporter: HealthReporterName[req.reporter] ?? String(req.reporter),
        };
        const report = await auditedChange(audit, entry, HEALTH_LINES, () => recover(req.reporter));
        return { device: req.device, report };
      },
    ),
    watchDevices: serverStream<WatchDevicesRequest, WatchDevicesResponse>(
      env,
      `${SERVICE}/WatchDevices`,
      (call, ctx) => watch(call, ctx, devices, events),
    ),
  };
}

async function watch(
  call: ServerWritableStream<WatchDevicesRequest, WatchDevicesResponse>,
  ctx: CallContext,
  devices: DeviceSources,
  log: DeviceEventLog,
): Promise<void> {
  const req = call.request;
  const selected = new Set(visibleDevices(devices, ctx, req.devices));
  // As for ListDevices: watching with no device visible is a denial (audited).
  if (selected.size === 0) authorizeTarget(ctx, {});
  const all = req.devices.length === 0;
  let blocked = false;
  let lost = 0;
  let firstLost = 0;

  // send: write unless the transport pushed back; while it does, count instead.
  const send = (msg: WatchDevicesResponse): void => {
    if (ctx.cancel.aborted) return;
    if (blocked) {
      if (lost === 0) firstLost = msg.sequence;
      lost += 1;
      return;
    }
    if (!call.write(msg)) {
      blocked = true;
      call.once('drain', () => {
        blocked = false;
        if (lost > 0) {
          const count = lost;
          lost = 0;
          send(
            eventsLost(
              log.nextSequence(),
              EventsLostReason.EVENTS_LOST_REASON_SLOW_CONSUMER,
              firstLost,
              count,
            ),
          );
        }
      });
    }
  };
  const wanted = (e: LoggedEvent): boolean =>
    selected.has(e.event.core) || (all && ctx.decide?.({ device: e.event.core }).allowed === true);

  // Subscribe before replaying so nothing falls between history and live events.
  const pending: LoggedEvent[] = [];
  let live = false;
  const unlisten = log.listen((e) => {
    if (!wanted(e)) return;
    if (live) send(toResponse(e));
    else pending.push(e);
  });
  try {
    if (req.resumeAfter > 0) {
      const { events, expired, firstExpired } = log.since(req.resumeAfter);
      if (expired > 0) {
        send(
          eventsLost(
            log.nextSequence(),
            EventsLostReason.EVENTS_LOST_REASON_HISTORY_EXPIRED,
            firstExpired,
            expired,
          ),
        );
      }
      for (const e of events) if (wanted(e) && !pending.includes(e)) send(toResponse(e));
    }
    if (req.sendSnapshot) {
      for (const d of devices.devices()) {
        if (!selected.has(d.name)) continue;
        send({
          sequence: log.nextSequence(),
          time: new Date(),
          device: d.name,
          event: { $case: 'snapshot', snapshot: d.describe() },
        });
      }
    }
    for (const e of pending.splice(0)) send(toResponse(e));
    live = true;
    await new Promise<void>((resolve) => {
      if (ctx.cancel.aborted) resolve();
      else ctx.cancel.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    unlisten();
  }
}

function eventsLost(
  sequence: number,
  reason: EventsLostReason,
  firstSequence: number,
  count: number,
): WatchDevicesResponse {
  return {
    sequence,
    time: new Date(),
    device: '',
    event: { $case: 'eventsLost', eventsLost: { reason, firstSequence, count } },
  };
}

const PHASES = {
  start: ReloadPhase.RELOAD_PHASE_START,
  done: ReloadPhase.RELOAD_PHASE_DONE,
  failed: ReloadPhase.RELOAD_PHASE_FAILED,
} as const;

/** toResponse: a logged core event as a WatchDevices message. */
export function toResponse(l: LoggedEvent): WatchDevicesResponse {
  const base = { sequence: l.sequence, time: l.time, device: l.event.core };
  const e = l.event;
  switch (e.type) {
    case 'aux-added':
      return {
        ...base,
        event: {
          $case: 'auxDeviceAdded',
          auxDeviceAdded: { auxDevice: { name: e.device, driver: '', suspended: false } },
        },
      };
    case 'aux-removed':
      return {
        ...base,
        event: { $case: 'auxDeviceRemoved', auxDeviceRemoved: { name: e.device } },
      };
    case 'state':
      return {
        ...base,
        event: {
          $case: 'stateChanged',
          stateChanged: { state: DEVICE_STATES[e.state], previous: DEVICE_STATES[e.previous] },
        },
      };
    case 'health':
      return {
        ...base,
        event: {
          $case: 'health',
          health: {
            reporter:
              e.reporter === 'fw'
                ? HealthReporterName.HEALTH_REPORTER_NAME_FW
                : HealthReporterName.HEALTH_REPORTER_NAME_FW_FATAL,
            syndrome: e.syndrome,
            extSyndrome: e.extSyndrome,
            description: e.description,
          },
        },
      };
    case 'reload':
      return {
        ...base,
        event: {
          $case: 'reload',
          reload: {
            phase: PHASES[e.phase],
            cause:
              e.cause === 'user'
                ? ReloadCause.RELOAD_CAUSE_USER
                : ReloadCause.RELOAD_CAUSE_RECOVERY,
            error: e.error ?? '',
          },
        },
      };
    case 'taint':
      return { ...base, event: { $case: 'taint', taint: { reason: e.reason } } };
    case 'device-appeared':
      return { ...base, event: { $case: 'snapshot', snapshot: e.snapshot } };
    case 'port-function':
      return {
        ...base,
        event: {
          $case: 'portFunction',
          portFunction: {
            portFunction: PortFunction.fromPartial({
              index: e.index,
              sfnum: e.sfnum,
              state: e.state === 'deleted' ? undefined : PORT_FUNCTION_STATES[e.state],
            }),
            deleted: e.state === 'deleted',
          },
        },
      };
    case 'vdpa':
      return {
        ...base,
        event: {
          $case: 'vdpa',
          vdpa: { name: e.name, mgmtdev: e.mgmtdev, kind: VDPA_KINDS[e.kind] },
        },
      };
    case 'port':
      return {
        ...base,
        event: {
          $case: 'port',
          port: {
            port: e.port,
            state: e.state === 'up' ? PortState.PORT_STATE_UP : PortState.PORT_STATE_DOWN,
          },
        },
      };
  }
}
