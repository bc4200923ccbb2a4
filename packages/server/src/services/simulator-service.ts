/**
 * SimulatorService: fault injection into simulated devices over gRPC, so
 * that management software can be tested against a NIC that fails — a
 * firmware fatal error, slow commands, lost completions, forced command
 * statuses — and then be cleared.
 *
 * Every method is the most privileged thing a caller can do to a device:
 * the policy must allow it on the device at DEBUG_WRITE_FULL (checked
 * before the device is looked up, so a refusal says nothing of which
 * devices exist), and each change is audited with its outcome. A device
 * that is not simulated answers EOPNOTSUPP (UNIMPLEMENTED).
 *
 * Owns: the translation between the wire and core's FaultInjector. Never:
 * fault state of its own (the injector is the truth).
 */

import type { Logger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type {
  ArmedFault,
  ClearFaultsRequest,
  ClearFaultsResponse,
  InjectFaultRequest,
  InjectFaultResponse,
  ListFaultsRequest,
  ListFaultsResponse,
  SimulatorServiceServer,
} from '@auxctl/proto';
import type { FaultInjector } from '@auxctl/sim';
import type { DeviceSources } from '../devices/device-sources.js';
import { authorizeTarget, type CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, unary } from '../grpc/handler-adapters.js';
import { auditedChange } from './audited-change.js';

const SERVICE = 'auxctl.v1.SimulatorService';
const FAULT_LINES = {
  ok: 'simulated fault changed',
  failed: 'simulated fault refused',
  okLevel: 'warn',
} as const;

/** countOf: the wire's count 0 as the injector's "every command until cleared". */
function countOf(n: number): number {
  return n === 0 ? Number.POSITIVE_INFINITY : n;
}

/** armedOf: the injector's listing on the wire. */
function armedOf(faults: FaultInjector): ArmedFault[] {
  return faults.list().map((f) => ({
    kind: f.kind,
    opcode: f.opcode,
    opcodeName: f.name,
    value: Number.isFinite(f.value) ? f.value : 0,
    untilCleared: !Number.isFinite(f.value),
  }));
}

/** arm: one fault of a request on `faults`; EINVAL when the request names none. */
function arm(faults: FaultInjector, fault: InjectFaultRequest['fault']): void {
  switch (fault?.$case) {
    case 'fatal':
      if (fault.fatal.syndrome === 0) faults.fatal(undefined, fault.fatal.extSyndrome);
      else faults.fatal(fault.fatal.syndrome, fault.fatal.extSyndrome);
      return;
    case 'delay':
      faults.delay(fault.delay.opcode, fault.delay.delayMs);
      return;
    case 'loseCompletion':
      faults.loseCompletions(fault.loseCompletion.opcode, countOf(fault.loseCompletion.count));
      return;
    case 'forceStatus': {
      const f = fault.forceStatus;
      faults.forceStatus(
        f.opcode,
        f.status,
        f.syndrome === 0 ? undefined : f.syndrome,
        countOf(f.count),
      );
      return;
    }
    default:
      throw new AuxError(
        'EINVAL',
        'name the fault to inject: fatal, delay, lose_completion or force_status',
      );
  }
}

/** simulatorServiceImpl: the SimulatorService handlers. */
export function simulatorServiceImpl(
  env: AdapterEnv,
  devices: DeviceSources,
  audit: Logger,
): SimulatorServiceServer {
  /** The device's injector, once the policy allowed this call on it at the highest scope. */
  const faultsOf = (ctx: CallContext, device: string): FaultInjector => {
    authorizeTarget(ctx, { device, scope: 'DEBUG_WRITE_FULL' });
    const faults = devices.device(device).faults;
    if (faults) return faults;
    throw new AuxError(
      'EOPNOTSUPP',
      `device ${device} is not simulated: faults can be injected only into the simulator's devices`,
    );
  };
  /** change: one fault change, audited with its outcome. */
  const change = <T>(
    ctx: CallContext,
    device: string,
    action: string,
    detail: Record<string, unknown>,
    run: (faults: FaultInjector) => T,
  ): Promise<T> => {
    const faults = faultsOf(ctx, device);
    const entry = { event: 'sim-fault', principal: ctx.principal, device, action, ...detail };
    return auditedChange(audit, entry, FAULT_LINES, () => run(faults));
  };

  return {
    injectFault: unary<InjectFaultRequest, InjectFaultResponse>(
      env,
      `${SERVICE}/InjectFault`,
      async (req, ctx) => {
        return change(ctx, req.device, 'inject', { fault: req.fault ?? null }, (faults) => {
          arm(faults, req.fault);
          return { armed: armedOf(faults) };
        });
      },
    ),
    clearFaults: unary<ClearFaultsRequest, ClearFaultsResponse>(
      env,
      `${SERVICE}/ClearFaults`,
      async (req, ctx) =>
        change(ctx, req.device, 'clear', {}, (faults) => {
          faults.clear();
          return {};
        }),
    ),
    listFaults: unary<ListFaultsRequest, ListFaultsResponse>(
      env,
      `${SERVICE}/ListFaults`,
      async (req, ctx) => ({ armed: armedOf(faultsOf(ctx, req.device)) }),
    ),
  };
}
