/**
 * DeviceSnapshot: core devices and their health reporters as auxctl.v1
 * messages.
 *
 * Owns the translation of core's states, aux devices and reporter counters
 * into the wire types. It must never change a device (reading a reporter's
 * diagnose is a read of the health buffer, nothing more).
 */
import {
  type AuxiliaryBus,
  type CoreDevice,
  type CoreState,
  type HealthReporter,
  isSfPort,
  type SfPortFunctionInfo,
} from '@auxctl/core';
import { isAuxError } from '@auxctl/prm';
import {
  type Device,
  DeviceState,
  HealthReporterName,
  type HealthReporterReport,
  type HealthReporterStatus,
  type PortFunction,
  PortFunctionState,
  ReporterState,
} from '@auxctl/proto';

/** DEVICE_STATES: core state -> wire state. */
export const DEVICE_STATES: Readonly<Record<CoreState, DeviceState>> = {
  down: DeviceState.DEVICE_STATE_DOWN,
  loading: DeviceState.DEVICE_STATE_LOADING,
  up: DeviceState.DEVICE_STATE_UP,
  reloading: DeviceState.DEVICE_STATE_RELOADING,
  internal_error: DeviceState.DEVICE_STATE_INTERNAL_ERROR,
  recovering: DeviceState.DEVICE_STATE_RECOVERING,
  closed: DeviceState.DEVICE_STATE_CLOSED,
};

/** portFunctionOf: a port function as the wire shows it. */
export function portFunctionOf(p: SfPortFunctionInfo): PortFunction {
  return {
    index: p.index,
    pfnum: p.pfnum,
    sfnum: p.sfnum,
    hwAddr: p.hwAddr,
    roce: p.roce,
    maxUctx: p.maxUctx ?? 0,
    state: PORT_FUNCTION_STATES[p.state],
    auxDevice: p.auxDevice ?? '',
    device: p.nestedCore?.name ?? '',
  };
}

/** PORT_FUNCTION_STATES: core port function state -> wire state. */
export const PORT_FUNCTION_STATES: Readonly<
  Record<SfPortFunctionInfo['state'], PortFunctionState>
> = {
  inactive: PortFunctionState.PORT_FUNCTION_STATE_INACTIVE,
  active: PortFunctionState.PORT_FUNCTION_STATE_ACTIVE,
  attached: PortFunctionState.PORT_FUNCTION_STATE_ATTACHED,
};

/**
 * deviceSnapshot: `core` now, with its aux devices and their bound drivers
 * from `bus`, its port functions, and `parent` (the PF's name) when it is a
 * sub-function's device.
 */
export function deviceSnapshot(core: CoreDevice, bus: AuxiliaryBus, parent = ''): Device {
  const onBus = new Map(bus.listDevices().map((d) => [d.device, d]));
  const id = core.identity;
  return {
    name: core.name,
    id: core.id,
    identity: {
      vendorId: id.vendorId,
      deviceId: id.deviceId,
      fwVersion: id.fwVersion,
      psid: id.psid,
      serial: id.serial,
    },
    state: DEVICE_STATES[core.state],
    auxDevices: core.auxDevices().map((adev) => {
      const info = onBus.get(adev.devName);
      return {
        name: adev.devName,
        driver: info?.driver ?? '',
        suspended: info?.suspended ?? false,
      };
    }),
    health: reporters(core).map(([name, r]) => reporterStatus(name, r)),
    taintReasons: [...core.tainted],
    parent,
    // SF ports only: the wire has no shape for a VF port yet.
    portFunctions: core.portFunctions.list().filter(isSfPort).map(portFunctionOf),
  };
}

/** NamedReporter: a core device's reporter with its wire name. */
export type NamedReporter = [HealthReporterName, HealthReporter<unknown>];

export function reporters(core: CoreDevice): NamedReporter[] {
  return [
    [HealthReporterName.HEALTH_REPORTER_NAME_FW, core.health.fw as HealthReporter<unknown>],
    [
      HealthReporterName.HEALTH_REPORTER_NAME_FW_FATAL,
      core.health.fwFatal as HealthReporter<unknown>,
    ],
  ];
}

function reporterStatus(
  name: HealthReporterName,
  r: HealthReporter<unknown>,
): HealthReporterStatus {
  const last = r.lastRecover;
  return {
    name,
    state:
      r.state === 'healthy'
        ? ReporterState.REPORTER_STATE_HEALTHY
        : ReporterState.REPORTER_STATE_ERROR,
    errorCount: r.errorCount,
    recoverCount: r.recoverCount,
    ...(last !== undefined && { lastRecoverTime: new Date(last) }),
  };
}

/**
 * healthReports: the selected reporters of `core` (all when `which` is empty
 * or only UNSPECIFIED), `fw` first, with diagnose output as plain JSON.
 */
export function healthReports(
  core: CoreDevice,
  which: readonly HealthReporterName[],
): HealthReporterReport[] {
  const wanted = new Set<HealthReporterName>(
    which.filter((w) => w !== HealthReporterName.HEALTH_REPORTER_NAME_UNSPECIFIED),
  );
  return reporters(core)
    .filter(([name]) => wanted.size === 0 || wanted.has(name))
    .map(([name, r]) => {
      const stored = r.storedDump;
      return {
        status: reporterStatus(name, r),
        diagnose: diagnoseOf(r),
        dumpStored: stored !== undefined,
        ...(stored && { dumpTime: new Date(stored.capturedAt) }),
        dumpReason: stored?.message ?? '',
      };
    });
}

function diagnoseOf(r: HealthReporter<unknown>): Record<string, unknown> {
  let raw: Record<string, unknown>;
  try {
    raw = r.diagnose();
  } catch (err) {
    // A device that stopped answering still has a state worth reporting.
    raw = {
      state: r.state,
      errorCount: r.errorCount,
      recoverCount: r.recoverCount,
      error: isAuxError(err) ? err.code : 'unreadable',
    };
  }
  // Struct carries JSON only: bigints become strings, undefined fields go away.
  return JSON.parse(jsonWithBigints(raw)) as Record<string, unknown>;
}

/** jsonWithBigints: `value` as JSON text, bigints as decimal strings (JSON has no 64-bit integers). */
export function jsonWithBigints(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
