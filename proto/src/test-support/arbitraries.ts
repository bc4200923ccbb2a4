/**
 * fast-check arbitraries for every auxctl.v1 message, producing values in
 * the exact shape the generated decoders return (every scalar present,
 * unset sub-messages and oneofs as undefined, bytes as Buffer), so that
 * encode -> decode can be compared with a deep equality.
 *
 * Owns: the arbitraries. Never: used outside tests.
 */
import fc from 'fast-check';
import type {
  CoredumpRequest,
  CoredumpResponse,
  ExecRequest,
  ExecResponse,
  ResourceDumpRequest,
  ResourceDumpResponse,
  Rpc,
  RpcError,
  RpcResult,
  SessionInfo,
  SessionOpen,
  SessionRequest,
  SessionResponse,
} from '../gen/auxctl/v1/ctl_service.js';
import {
  type AuxDevice,
  type Device,
  type DeviceIdentity,
  DeviceState,
  type PortFunction,
  PortFunctionState,
} from '../gen/auxctl/v1/device.js';
import {
  type AuxDeviceAdded,
  type AuxDeviceRemoved,
  type DeviceStateChanged,
  type EventsLost,
  EventsLostReason,
  type GetHealthRequest,
  type GetHealthResponse,
  type HealthEvent,
  type ListDevicesRequest,
  type ListDevicesResponse,
  type PortEvent,
  type PortFunctionEvent,
  PortState,
  ReloadCause,
  type ReloadEvent,
  ReloadPhase,
  type TaintEvent,
  type WatchDevicesRequest,
  type WatchDevicesResponse,
} from '../gen/auxctl/v1/device_service.js';
import {
  type DumpChunk,
  type DumpHeader,
  DumpMode,
  type DumpResume,
  type DumpTrailer,
} from '../gen/auxctl/v1/dump.js';
import {
  HealthReporterName,
  type HealthReporterReport,
  type HealthReporterStatus,
  ReporterState,
} from '../gen/auxctl/v1/health.js';
import type {
  ActivateRequest,
  ActivateResponse,
  AddRequest,
  AddResponse,
  DeactivateRequest,
  DeactivateResponse,
  DeleteRequest,
  ListRequest,
  ListResponse,
  SetRequest,
  SetResponse,
} from '../gen/auxctl/v1/port_function_service.js';
import { RpcScope } from '../gen/auxctl/v1/scope.js';

/** knownValues: the declared values of a generated numeric enum (not UNRECOGNIZED). */
function knownValues<E extends number>(e: Record<string, E | string>): fc.Arbitrary<E> {
  const values = Object.values(e).filter((v): v is E => typeof v === 'number' && v >= 0);
  return fc.constantFrom(...values);
}

/** Wire scalars as ts-proto maps them with forceLong=number. */
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.maxSafeNat();
const text = fc.string({ unit: 'grapheme', maxLength: 24 });
const bytes = (maxLength = 64) => fc.uint8Array({ maxLength }).map((b) => Buffer.from(b));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Timestamps as Dates with millisecond precision inside the Timestamp range (years 1..9999). */
const date = fc.date({
  min: new Date('0001-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

/**
 * A Struct as ts-proto unwraps it: a plain object of JSON values. `__proto__`
 * is left out: assigning it to a plain object sets the prototype instead of
 * a key, so it cannot survive the generated unwrap (and no diagnose uses it).
 */
const structObject = fc.dictionary(
  text.filter((k) => k !== '__proto__'),
  fc.jsonValue({ maxDepth: 3 }).filter((v) => !containsProtoKey(v)),
  { maxKeys: 6 },
);

function containsProtoKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsProtoKey);
  if (v !== null && typeof v === 'object') {
    return Object.keys(v).some((k) => k === '__proto__' || containsProtoKey((v as never)[k]));
  }
  return false;
}

/** oneofCase: a ts-proto `oneof=unions` member `{ $case, [case]: value }`. */
function oneofCase<K extends string, V>(k: K, arb: fc.Arbitrary<V>) {
  return arb.map((v) => ({ $case: k, [k]: v }) as { $case: K } & { [P in K]: V });
}

export const scope = knownValues(RpcScope);
export const dumpMode = knownValues(DumpMode);

export const deviceIdentity: fc.Arbitrary<DeviceIdentity> = fc.record({
  vendorId: u32,
  deviceId: u32,
  fwVersion: text,
  psid: text,
  serial: text,
});

export const auxDevice: fc.Arbitrary<AuxDevice> = fc.record({
  name: text,
  driver: text,
  suspended: fc.boolean(),
});

export const healthReporterStatus: fc.Arbitrary<HealthReporterStatus> = fc.record({
  name: knownValues(HealthReporterName),
  state: knownValues(ReporterState),
  errorCount: u64,
  recoverCount: u64,
  lastRecoverTime: optional(date),
});

export const healthReporterReport: fc.Arbitrary<HealthReporterReport> = fc.record({
  status: optional(healthReporterStatus),
  diagnose: optional(structObject),
  dumpStored: fc.boolean(),
  dumpTime: optional(date),
  dumpReason: text,
});

export const portFunction: fc.Arbitrary<PortFunction> = fc.record({
  index: u32,
  pfnum: u32,
  sfnum: u32,
  hwAddr: text,
  roce: fc.boolean(),
  maxUctx: u32,
  state: knownValues(PortFunctionState),
  auxDevice: text,
  device: text,
});

export const device: fc.Arbitrary<Device> = fc.record({
  name: text,
  id: u32,
  identity: optional(deviceIdentity),
  state: knownValues(DeviceState),
  auxDevices: fc.array(auxDevice, { maxLength: 4 }),
  health: fc.array(healthReporterStatus, { maxLength: 3 }),
  taintReasons: fc.array(text, { maxLength: 3 }),
  parent: text,
  portFunctions: fc.array(portFunction, { maxLength: 3 }),
});

const portAt = { device: text, index: u32 };
export const addRequest: fc.Arbitrary<AddRequest> = fc.record({
  device: text,
  pfnum: u32,
  sfnum: u32,
});
export const addResponse: fc.Arbitrary<AddResponse> = fc.record({
  portFunction: optional(portFunction),
});
export const setRequest: fc.Arbitrary<SetRequest> = fc.record(
  { ...portAt, hwAddr: text, roce: fc.boolean(), maxUctx: u32 },
  { requiredKeys: ['device', 'index'] },
);
export const setResponse: fc.Arbitrary<SetResponse> = fc.record({
  portFunction: optional(portFunction),
});
export const activateRequest: fc.Arbitrary<ActivateRequest> = fc.record(portAt);
export const activateResponse: fc.Arbitrary<ActivateResponse> = fc.record({
  portFunction: optional(portFunction),
});
export const deactivateRequest: fc.Arbitrary<DeactivateRequest> = fc.record(portAt);
export const deactivateResponse: fc.Arbitrary<DeactivateResponse> = fc.record({
  portFunction: optional(portFunction),
});
export const deleteRequest: fc.Arbitrary<DeleteRequest> = fc.record(portAt);
export const listRequest: fc.Arbitrary<ListRequest> = fc.record({ device: text });
export const listResponse: fc.Arbitrary<ListResponse> = fc.record({
  portFunctions: fc.array(portFunction, { maxLength: 3 }),
});
export const portEvent: fc.Arbitrary<PortEvent> = fc.record({
  port: u32,
  state: knownValues(PortState),
});
export const portFunctionEvent: fc.Arbitrary<PortFunctionEvent> = fc.record({
  portFunction: optional(portFunction),
  deleted: fc.boolean(),
});

export const listDevicesRequest: fc.Arbitrary<ListDevicesRequest> = fc.record({
  devices: fc.array(text, { maxLength: 4 }),
});

export const listDevicesResponse: fc.Arbitrary<ListDevicesResponse> = fc.record({
  devices: fc.array(device, { maxLength: 3 }),
});

export const watchDevicesRequest: fc.Arbitrary<WatchDevicesRequest> = fc.record({
  devices: fc.array(text, { maxLength: 4 }),
  sendSnapshot: fc.boolean(),
  resumeAfter: u64,
});

export const auxDeviceAdded: fc.Arbitrary<AuxDeviceAdded> = fc.record({
  auxDevice: optional(auxDevice),
});
export const auxDeviceRemoved: fc.Arbitrary<AuxDeviceRemoved> = fc.record({ name: text });
export const deviceStateChanged: fc.Arbitrary<DeviceStateChanged> = fc.record({
  state: knownValues(DeviceState),
  previous: knownValues(DeviceState),
});
export const healthEvent: fc.Arbitrary<HealthEvent> = fc.record({
  reporter: knownValues(HealthReporterName),
  syndrome: u32,
  extSyndrome: u32,
  description: text,
});
export const taintEvent: fc.Arbitrary<TaintEvent> = fc.record({ reason: text });
export const reloadEvent: fc.Arbitrary<ReloadEvent> = fc.record({
  phase: knownValues(ReloadPhase),
  cause: knownValues(ReloadCause),
  error: text,
});
export const eventsLost: fc.Arbitrary<EventsLost> = fc.record({
  reason: knownValues(EventsLostReason),
  firstSequence: u64,
  count: u64,
});

export const watchDevicesResponse: fc.Arbitrary<WatchDevicesResponse> = fc.record({
  sequence: u64,
  time: optional(date),
  device: text,
  event: fc.oneof(
    fc.constant(undefined),
    oneofCase('snapshot', device),
    oneofCase('auxDeviceAdded', auxDeviceAdded),
    oneofCase('auxDeviceRemoved', auxDeviceRemoved),
    oneofCase('stateChanged', deviceStateChanged),
    oneofCase('health', healthEvent),
    oneofCase('taint', taintEvent),
    oneofCase('reload', reloadEvent),
    oneofCase('eventsLost', eventsLost),
    oneofCase('port', portEvent),
    oneofCase('portFunction', portFunctionEvent),
  ),
});

export const getHealthRequest: fc.Arbitrary<GetHealthRequest> = fc.record({
  device: text,
  reporters: fc.array(knownValues(HealthReporterName), { maxLength: 3 }),
});

export const getHealthResponse: fc.Arbitrary<GetHealthResponse> = fc.record({
  device: text,
  reporters: fc.array(healthReporterReport, { maxLength: 2 }),
});

export const dumpResume: fc.Arbitrary<DumpResume> = fc.record({ dumpId: text, offset: u64 });
export const dumpHeader: fc.Arbitrary<DumpHeader> = fc.record({
  dumpId: text,
  size: u64,
  device: text,
  fwVersion: text,
  createdAt: optional(date),
  chunkSize: u32,
  offset: u64,
  mode: dumpMode,
});
export const dumpChunk: fc.Arbitrary<DumpChunk> = fc.record({ offset: u64, data: bytes(512) });
export const dumpTrailer: fc.Arbitrary<DumpTrailer> = fc.record({ sha256: bytes(32) });

export const sessionOpen: fc.Arbitrary<SessionOpen> = fc.record({ device: text, scope });
export const rpc: fc.Arbitrary<Rpc> = fc.record({ requestId: u64, inbox: bytes(), outLen: u32 });
export const sessionRequest: fc.Arbitrary<SessionRequest> = fc.record({
  kind: fc.oneof(fc.constant(undefined), oneofCase('open', sessionOpen), oneofCase('rpc', rpc)),
});

export const sessionInfo: fc.Arbitrary<SessionInfo> = fc.record({
  uid: u32,
  uctxCap: u32,
  devUctxCap: u32,
  ucap: u32,
  tainted: fc.array(text, { maxLength: 3 }),
  maxInFlight: u32,
});
export const rpcResult: fc.Arbitrary<RpcResult> = fc.record({ requestId: u64, outbox: bytes() });
export const rpcError: fc.Arbitrary<RpcError> = fc.record({
  requestId: u64,
  code: text,
  message: text,
});
export const sessionResponse: fc.Arbitrary<SessionResponse> = fc.record({
  kind: fc.oneof(
    fc.constant(undefined),
    oneofCase('info', sessionInfo),
    oneofCase('result', rpcResult),
    oneofCase('error', rpcError),
  ),
});

export const execRequest: fc.Arbitrary<ExecRequest> = fc.record({
  device: text,
  scope,
  inbox: bytes(),
  outLen: u32,
});
export const execResponse: fc.Arbitrary<ExecResponse> = fc.record({ outbox: bytes() });

export const coredumpRequest: fc.Arbitrary<CoredumpRequest> = fc.record({
  device: text,
  mode: dumpMode,
  chunkSize: u32,
  resume: optional(dumpResume),
});

const dumpFrame = fc.oneof(
  fc.constant(undefined),
  oneofCase('header', dumpHeader),
  oneofCase('chunk', dumpChunk),
  oneofCase('trailer', dumpTrailer),
);
export const coredumpResponse: fc.Arbitrary<CoredumpResponse> = fc.record({ frame: dumpFrame });
export const resourceDumpResponse: fc.Arbitrary<ResourceDumpResponse> = fc.record({
  frame: dumpFrame,
});

export const resourceDumpRequest: fc.Arbitrary<ResourceDumpRequest> = fc.record({
  device: text,
  mode: dumpMode,
  chunkSize: u32,
  resume: optional(dumpResume),
  segment: fc.oneof(
    fc.constant(undefined),
    oneofCase('segmentName', text),
    oneofCase('segmentType', u32),
  ),
  index1: u32,
  index2: u32,
  numOfObj1: u32,
  numOfObj2: u32,
});
