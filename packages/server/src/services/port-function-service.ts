/**
 * PortFunctionService: the sub-function ports of a PF device over gRPC —
 * devlink `port add pcisf` / `port function set` / `port function state` /
 * `port del` / `port show` for remote operators.
 *
 * Every method is a configuration of the PF: the caller must be allowed the
 * method on the PF device at the CONFIGURATION scope (the policy's check,
 * audited by the authorization middleware); each change is audited again
 * with its outcome. Errors are core's errnos (EEXIST -> ALREADY_EXISTS,
 * ENOSPC and EBUSY -> RESOURCE_EXHAUSTED, ENOENT -> NOT_FOUND, EINVAL ->
 * INVALID_ARGUMENT).
 *
 * Owns: the translation between the wire and core's PortFunctions. Never:
 * port state of its own (core's PortFunctions is the truth).
 */

import { isSfPort, type Logger, type PortFunctions, type SfPortFunctionInfo } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type {
  ActivateRequest,
  ActivateResponse,
  AddRequest,
  AddResponse,
  DeactivateRequest,
  DeactivateResponse,
  DeleteRequest,
  DeleteResponse,
  ListRequest,
  ListResponse,
  PortFunctionServiceServer,
  SetRequest,
  SetResponse,
} from '@auxctl/proto';
import { portFunctionOf } from '../devices/device-snapshot.js';
import type { DeviceSources } from '../devices/device-sources.js';
import { authorizeTarget, type CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, unary } from '../grpc/handler-adapters.js';
import { deviceChanges } from './audited-change.js';

const SERVICE = 'auxctl.v1.PortFunctionService';
const PORT_LINES = { ok: 'port function changed', failed: 'port function change failed' };

/** portFunctionServiceImpl: the PortFunctionService handlers. */
export function portFunctionServiceImpl(
  env: AdapterEnv,
  devices: DeviceSources,
  audit: Logger,
): PortFunctionServiceServer {
  /** The PF's port functions, once the policy allowed this call on the device. */
  const portsOf = (ctx: CallContext, device: string): PortFunctions => {
    authorizeTarget(ctx, { device, scope: 'CONFIGURATION' });
    return portFunctionsOf(devices, device);
  };
  /** change: run one port change and audit it with its outcome. */
  const audited = deviceChanges(audit, 'port-function', PORT_LINES);
  const change = async <T>(
    ctx: CallContext,
    device: string,
    action: string,
    detail: Record<string, unknown>,
    run: (ports: PortFunctions) => Promise<T>,
  ): Promise<T> => {
    const ports = portsOf(ctx, device);
    return audited(ctx, device, action, detail, () => run(ports));
  };
  const wire = (p: SfPortFunctionInfo) => ({ portFunction: portFunctionOf(p) });

  return {
    add: unary<AddRequest, AddResponse>(env, `${SERVICE}/Add`, (req, ctx) =>
      change(ctx, req.device, 'add', { pfnum: req.pfnum, sfnum: req.sfnum }, async (ports) =>
        wire(await ports.add({ pfnum: req.pfnum, sfnum: req.sfnum })),
      ),
    ),
    set: unary<SetRequest, SetResponse>(env, `${SERVICE}/Set`, (req, ctx) => {
      const attrs = {
        ...(req.hwAddr !== undefined && { hwAddr: req.hwAddr }),
        ...(req.roce !== undefined && { roce: req.roce }),
        ...(req.maxUctx !== undefined && { maxUctx: req.maxUctx }),
      };
      return change(ctx, req.device, 'set', { index: req.index, ...attrs }, async (ports) => {
        // The wire has no shape for a VF port yet: refuse before changing it.
        if (!isSfPort(ports.get(req.index))) {
          throw new AuxError('EOPNOTSUPP', `port ${req.index} is a VF port; not served remotely`);
        }
        const p = await ports.set(req.index, attrs);
        return wire(p as SfPortFunctionInfo);
      });
    }),
    activate: unary<ActivateRequest, ActivateResponse>(env, `${SERVICE}/Activate`, (req, ctx) =>
      change(ctx, req.device, 'activate', { index: req.index }, async (ports) =>
        wire(await ports.activate(req.index)),
      ),
    ),
    deactivate: unary<DeactivateRequest, DeactivateResponse>(
      env,
      `${SERVICE}/Deactivate`,
      (req, ctx) =>
        change(ctx, req.device, 'deactivate', { index: req.index }, async (ports) =>
          wire(await ports.deactivate(req.index)),
        ),
    ),
    delete: unary<DeleteRequest, DeleteResponse>(env, `${SERVICE}/Delete`, (req, ctx) =>
      change(ctx, req.device, 'delete', { index: req.index }, async (ports) => {
        await ports.delete(req.index);
        return {};
      }),
    ),
    list: unary<ListRequest, ListResponse>(env, `${SERVICE}/List`, async (req, ctx) => ({
      portFunctions: portsOf(ctx, req.device).list().filter(isSfPort).map(portFunctionOf),
    })),
  };
}

/**
 * portFunctionsOf: the port functions of PF `name`; ENOENT for an unknown
 * device, EINVAL for a sub-function's, EOPNOTSUPP for a device whose source
 * does not manage port functions.
 */
function portFunctionsOf(devices: DeviceSources, name: string): PortFunctions {
  const d = devices.device(name);
  if (d.portFunctions) return d.portFunctions;
  if (d.parent !== '') {
    throw new AuxError('EINVAL', `${name} is a sub-function; port functions live on its PF`);
  }
  throw new AuxError(
    'EOPNOTSUPP',
    `device ${name} is served by the ${d.source} source, which does not manage port functions; use devlink port on its host`,
  );
}
