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
 * Guests: StartGuest / GetGuest / StopGuest run a guest on a simulated VF
 * bound to mlx5_vfio_pci with auxctld as its VMM (the simulated source's
 * GuestFunctions), so a live migration has a workload to carry; the
 * caller needs DEBUG_WRITE_FULL on the VF's PF, starts and stops are
 * audited.
 *
 * Owns: the translation between the wire and core's FaultInjector and the
 * source's GuestFunctions. Never: fault or guest state of its own.
 */

import type { Logger } from '@auxctl/core';
import { checkUnicastMac } from '@auxctl/net-aux';
import { AuxError } from '@auxctl/prm';
import {
  type ArmedFault,
  type ClearFaultsRequest,
  type ClearFaultsResponse,
  type GetGuestRequest,
  type GetGuestResponse,
  type GuestInfo,
  GuestProgram,
  type InjectFaultRequest,
  type InjectFaultResponse,
  type ListFaultsRequest,
  type ListFaultsResponse,
  type SimulatorServiceServer,
  type StartGuestRequest,
  type StartGuestResponse,
  type StopGuestRequest,
  type StopGuestResponse,
} from '@auxctl/proto';
import type { FaultInjector } from '@auxctl/sim';
import type { DeviceSources } from '../devices/device-sources.js';
import { authorizeTarget, type CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, unary } from '../grpc/handler-adapters.js';
import type {
  GuestFunctions,
  GuestProgramName,
  GuestReport,
  ServedDevice,
} from '../sources/device-source.js';
import { auditedChange, deviceChanges } from './audited-change.js';
import { authorizedFind } from './served-target.js';

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

const GUEST_LINES = { ok: 'simulated guest changed', failed: 'simulated guest refused' } as const;

interface GuestPf {
  readonly device: ServedDevice;
  readonly guests: GuestFunctions;
}

/** guestOptions: a StartGuest request in the source's terms; EINVAL for a missing program or a bad peer. */
function guestOptions(req: StartGuestRequest): {
  program: GuestProgramName;
  memoryBytes: number;
  peer?: Buffer;
} {
  const program =
    req.program === GuestProgram.GUEST_PROGRAM_FLOW
      ? 'flow'
      : req.program === GuestProgram.GUEST_PROGRAM_ECHO
        ? 'echo'
        : undefined;
  if (program === undefined) throw new AuxError('EINVAL', 'name the program: FLOW or ECHO');
  if (program === 'echo' && req.peerMac !== '') {
    throw new AuxError('EINVAL', 'an ECHO guest answers whoever sends to it: it takes no peer_mac');
  }
  return {
    program,
    memoryBytes: Number(req.memoryBytes),
    ...(req.peerMac !== '' && { peer: checkUnicastMac(req.peerMac) }),
  };
}

/** guestInfo: a guest report on the wire. */
function guestInfo(r: GuestReport): GuestInfo {
  return {
    ...r,
    program:
      r.program === 'flow' ? GuestProgram.GUEST_PROGRAM_FLOW : GuestProgram.GUEST_PROGRAM_ECHO,
  };
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

  const guestPfs = (): GuestPf[] =>
    devices
      .devices()
      .flatMap((device) => (device.guests ? [{ device, guests: device.guests }] : []));
  /** guestPfOf: the PF holding VF `vf`, once the caller may use it at DEBUG_WRITE_FULL. */
  const guestPfOf = (ctx: CallContext, vf: string): GuestPf =>
    authorizedFind(
      ctx,
      'DEBUG_WRITE_FULL',
      guestPfs().find((p) => p.guests.has(vf)),
      () => guestPfs().map((p) => p.device.name),
      `no VF ${vf} of a simulated PF here (see auxctl vf list)`,
    );
  const guestChange = deviceChanges(audit, 'sim-guest', GUEST_LINES);

  return {
    startGuest: unary<StartGuestRequest, StartGuestResponse>(
      env,
      `${SERVICE}/StartGuest`,
      async (req, ctx) => {
        const pf = guestPfOf(ctx, req.vf);
        const o = guestOptions(req);
        const detail = { vf: req.vf, program: o.program, memoryBytes: o.memoryBytes };
        const report = await guestChange(ctx, pf.device.name, 'start', detail, () =>
          pf.guests.start(req.vf, o),
        );
        return { guest: guestInfo(report) };
      },
    ),
    getGuest: unary<GetGuestRequest, GetGuestResponse>(
      env,
      `${SERVICE}/GetGuest`,
      async (req, ctx) => ({ guest: guestInfo(guestPfOf(ctx, req.vf).guests.get(req.vf)) }),
    ),
    stopGuest: unary<StopGuestRequest, StopGuestResponse>(
      env,
      `${SERVICE}/StopGuest`,
      async (req, ctx) => {
        const pf = guestPfOf(ctx, req.vf);
        await guestChange(ctx, pf.device.name, 'stop', { vf: req.vf }, () =>
          pf.guests.stop(req.vf),
        );
        return {};
      },
    ),
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
