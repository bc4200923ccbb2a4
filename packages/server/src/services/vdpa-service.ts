/**
 * VdpaService: vdpa management devices and devices over gRPC — iproute2's
 * `vdpa mgmtdev show`, `vdpa dev add|del|show|config show|vstats show` for
 * remote operators.
 *
 * A management device belongs to one served device (the function whose
 * vnet aux device a vdpa driver bound); every method is a configuration of
 * that device: the caller must be allowed the method on it at the
 * CONFIGURATION scope (the policy's check, audited by the authorization
 * middleware), and each add or delete is audited again with its outcome.
 * A listing shows only what the caller may configure. A name that matches
 * nothing is NOT_FOUND for a caller who may configure some device, and a
 * denial for one who may configure none, so existence is told only to
 * callers who manage something.
 *
 * Owns: finding a management device or vdpa device among the served
 * devices, and the authorization of each call. Never: vdpa state of its
 * own (the source's VdpaFunction is the truth).
 */
import type { Logger } from '@auxctl/core';
import type {
  AddVdpaDeviceRequest,
  AddVdpaDeviceResponse,
  DeleteVdpaDeviceRequest,
  DeleteVdpaDeviceResponse,
  GetVdpaQueueRequest,
  GetVdpaQueueResponse,
  ListMgmtDevsRequest,
  ListMgmtDevsResponse,
  ListVdpaDevicesRequest,
  ListVdpaDevicesResponse,
  VdpaServiceServer,
} from '@auxctl/proto';
import type { DeviceSources } from '../devices/device-sources.js';
import type { CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, unary } from '../grpc/handler-adapters.js';
import type { ServedDevice, VdpaFunction } from '../sources/device-source.js';
import { deviceChanges } from './audited-change.js';
import { authorizedFind, mayActOn } from './served-target.js';

const SERVICE = 'auxctl.v1.VdpaService';
const SCOPE = 'CONFIGURATION';
const VDPA_LINES = { ok: 'vdpa device changed', failed: 'vdpa device change failed' };

interface Served {
  readonly device: ServedDevice;
  readonly vdpa: VdpaFunction;
}

/** vdpaServiceImpl: the VdpaService handlers. */
export function vdpaServiceImpl(
  env: AdapterEnv,
  devices: DeviceSources,
  audit: Logger,
): VdpaServiceServer {
  const served = (): Served[] =>
    devices.devices().flatMap((device) => (device.vdpa ? [{ device, vdpa: device.vdpa }] : []));
  const mayConfigure = (ctx: CallContext, device: string): boolean => mayActOn(ctx, device, SCOPE);
  /** allowed: `s` once the caller is allowed to configure its device; else the refusal. */
  const allowed = <T extends Served>(ctx: CallContext, s: T | undefined, what: string): T =>
    authorizedFind(
      ctx,
      SCOPE,
      s,
      () => devices.devices().map((d) => d.name),
      `${what} does not exist (see vdpa mgmtdev show / dev show)`,
    );
  const byMgmtdev = (ctx: CallContext, name: string): Served =>
    allowed(
      ctx,
      served().find((s) => s.vdpa.mgmtdev()?.name === name),
      `vdpa management device ${name}`,
    );
  const byDevice = (ctx: CallContext, name: string): Served =>
    allowed(
      ctx,
      served().find((s) => s.vdpa.devices().some((d) => d.name === name)),
      `vdpa device ${name}`,
    );
  const change = deviceChanges(audit, 'vdpa', VDPA_LINES);

  return {
    listMgmtDevs: unary<ListMgmtDevsRequest, ListMgmtDevsResponse>(
      env,
      `${SERVICE}/ListMgmtDevs`,
      async (req, ctx) => {
        if (req.name !== '') {
          const s = byMgmtdev(ctx, req.name);
          return { mgmtdevs: [s.vdpa.mgmtdev()].flatMap((m) => (m ? [m] : [])) };
        }
        const mine = served().filter((s) => mayConfigure(ctx, s.device.name));
        return { mgmtdevs: mine.flatMap((s) => s.vdpa.mgmtdev() ?? []) };
      },
    ),
    addVdpaDevice: unary<AddVdpaDeviceRequest, AddVdpaDeviceResponse>(
      env,
      `${SERVICE}/AddVdpaDevice`,
      async (req, ctx) => {
        const s = byMgmtdev(ctx, req.mgmtdev);
        const detail = { name: req.name, mgmtdev: req.mgmtdev, mac: req.mac, maxVqp: req.maxVqp };
        return { device: await change(ctx, s.device.name, 'add', detail, () => s.vdpa.add(req)) };
      },
    ),
    deleteVdpaDevice: unary<DeleteVdpaDeviceRequest, DeleteVdpaDeviceResponse>(
      env,
      `${SERVICE}/DeleteVdpaDevice`,
      async (req, ctx) => {
        const s = byDevice(ctx, req.name);
        await change(ctx, s.device.name, 'delete', { name: req.name }, () => s.vdpa.del(req.name));
        return {};
      },
    ),
    listVdpaDevices: unary<ListVdpaDevicesRequest, ListVdpaDevicesResponse>(
      env,
      `${SERVICE}/ListVdpaDevices`,
      async (req, ctx) => {
        if (req.names.length > 0) {
          const named = [...new Set(req.names)].map((n) =>
            byDevice(ctx, n)
              .vdpa.devices()
              .filter((d) => d.name === n),
          );
          return { devices: named.flat() };
        }
        const mine = served().filter((s) => mayConfigure(ctx, s.device.name));
        return { devices: mine.flatMap((s) => s.vdpa.devices()) };
      },
    ),
    getVdpaQueue: unary<GetVdpaQueueRequest, GetVdpaQueueResponse>(
      env,
      `${SERVICE}/GetVdpaQueue`,
      async (req, ctx) => byDevice(ctx, req.name).vdpa.queue(req.name, req.queueIndex),
    ),
  };
}
