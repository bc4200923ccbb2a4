import { BinaryWriter } from '@bufbuild/protobuf/wire';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
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
} from './gen/auxctl/v1/ctl_service.js';
import { AuxDevice, Device, DeviceIdentity, PortFunction } from './gen/auxctl/v1/device.js';
import {
  AuxDeviceAdded,
  AuxDeviceRemoved,
  DeviceStateChanged,
  EventsLost,
  GetHealthRequest,
  GetHealthResponse,
  HealthEvent,
  ListDevicesRequest,
  ListDevicesResponse,
  PortEvent,
  PortFunctionEvent,
  ReloadEvent,
  TaintEvent,
  WatchDevicesRequest,
  WatchDevicesResponse,
} from './gen/auxctl/v1/device_service.js';
import { DumpChunk, DumpHeader, DumpResume, DumpTrailer } from './gen/auxctl/v1/dump.js';
import { HealthReporterReport, HealthReporterStatus } from './gen/auxctl/v1/health.js';
import {
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
} from './gen/auxctl/v1/port_function_service.js';
import * as arb from './test-support/arbitraries.js';

/** Codec: the part of a generated message object a round trip needs. */
interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

function roundTrips<T>(name: string, codec: Codec<T>, values: fc.Arbitrary<T>): void {
  it(`${name}: decode(encode(m)) equals m`, () => {
    fc.assert(
      fc.property(values, (m) => {
        expect(codec.decode(codec.encode(m).finish())).toEqual(m);
      }),
      { numRuns: 150 },
    );
  });
}

describe('auxctl.v1 DeviceService messages round-trip', () => {
  roundTrips('ListDevicesRequest', ListDevicesRequest, arb.listDevicesRequest);
  roundTrips('ListDevicesResponse', ListDevicesResponse, arb.listDevicesResponse);
  roundTrips('WatchDevicesRequest', WatchDevicesRequest, arb.watchDevicesRequest);
  roundTrips('WatchDevicesResponse', WatchDevicesResponse, arb.watchDevicesResponse);
  roundTrips('GetHealthRequest', GetHealthRequest, arb.getHealthRequest);
  roundTrips('GetHealthResponse', GetHealthResponse, arb.getHealthResponse);
  roundTrips('Device', Device, arb.device);
  roundTrips('DeviceIdentity', DeviceIdentity, arb.deviceIdentity);
  roundTrips('AuxDevice', AuxDevice, arb.auxDevice);
  roundTrips('AuxDeviceAdded', AuxDeviceAdded, arb.auxDeviceAdded);
  roundTrips('AuxDeviceRemoved', AuxDeviceRemoved, arb.auxDeviceRemoved);
  roundTrips('DeviceStateChanged', DeviceStateChanged, arb.deviceStateChanged);
  roundTrips('HealthEvent', HealthEvent, arb.healthEvent);
  roundTrips('TaintEvent', TaintEvent, arb.taintEvent);
  roundTrips('ReloadEvent', ReloadEvent, arb.reloadEvent);
  roundTrips('EventsLost', EventsLost, arb.eventsLost);
  roundTrips('HealthReporterStatus', HealthReporterStatus, arb.healthReporterStatus);
  roundTrips('HealthReporterReport', HealthReporterReport, arb.healthReporterReport);
});

describe('auxctl.v1 PortFunctionService messages round-trip', () => {
  roundTrips('PortFunction', PortFunction, arb.portFunction);
  roundTrips('PortEvent', PortEvent, arb.portEvent);
  roundTrips('PortFunctionEvent', PortFunctionEvent, arb.portFunctionEvent);
  roundTrips('AddRequest', AddRequest, arb.addRequest);
  roundTrips('AddResponse', AddResponse, arb.addResponse);
  roundTrips('SetRequest', SetRequest, arb.setRequest);
  roundTrips('SetResponse', SetResponse, arb.setResponse);
  roundTrips('ActivateRequest', ActivateRequest, arb.activateRequest);
  roundTrips('ActivateResponse', ActivateResponse, arb.activateResponse);
  roundTrips('DeactivateRequest', DeactivateRequest, arb.deactivateRequest);
  roundTrips('DeactivateResponse', DeactivateResponse, arb.deactivateResponse);
  roundTrips('DeleteRequest', DeleteRequest, arb.deleteRequest);
  roundTrips('ListRequest', ListRequest, arb.listRequest);
  roundTrips('ListResponse', ListResponse, arb.listResponse);
});

describe('auxctl.v1 CtlService messages round-trip', () => {
  roundTrips('SessionRequest', SessionRequest, arb.sessionRequest);
  roundTrips('SessionResponse', SessionResponse, arb.sessionResponse);
  roundTrips('SessionOpen', SessionOpen, arb.sessionOpen);
  roundTrips('SessionInfo', SessionInfo, arb.sessionInfo);
  roundTrips('Rpc', Rpc, arb.rpc);
  roundTrips('RpcResult', RpcResult, arb.rpcResult);
  roundTrips('RpcError', RpcError, arb.rpcError);
  roundTrips('ExecRequest', ExecRequest, arb.execRequest);
  roundTrips('ExecResponse', ExecResponse, arb.execResponse);
  roundTrips('CoredumpRequest', CoredumpRequest, arb.coredumpRequest);
  roundTrips('CoredumpResponse', CoredumpResponse, arb.coredumpResponse);
  roundTrips('ResourceDumpRequest', ResourceDumpRequest, arb.resourceDumpRequest);
  roundTrips('ResourceDumpResponse', ResourceDumpResponse, arb.resourceDumpResponse);
  roundTrips('DumpResume', DumpResume, arb.dumpResume);
  roundTrips('DumpHeader', DumpHeader, arb.dumpHeader);
  roundTrips('DumpChunk', DumpChunk, arb.dumpChunk);
  roundTrips('DumpTrailer', DumpTrailer, arb.dumpTrailer);
});

describe('64-bit fields as plain numbers (forceLong=number)', () => {
  it('decodes a uint64 offset up to Number.MAX_SAFE_INTEGER exactly', () => {
    const m = { offset: Number.MAX_SAFE_INTEGER, data: Buffer.from([1, 2, 3]) };
    const back = DumpChunk.decode(DumpChunk.encode(m).finish());
    expect(back.offset).toBe(Number.MAX_SAFE_INTEGER);
    expect(typeof back.offset).toBe('number');
  });

  it('refuses a uint64 above Number.MAX_SAFE_INTEGER instead of rounding it', () => {
    // DumpChunk.offset is field 1, varint: tag (1 << 3) | 0 = 8.
    const wire = new BinaryWriter()
      .uint32(8)
      .uint64(2n ** 53n + 1n)
      .finish();
    expect(() => DumpChunk.decode(wire)).toThrow(/MAX_SAFE_INTEGER/);
  });
});

describe('unset fields', () => {
  it('an empty message decodes to defaults: oneofs and sub-messages undefined, bytes empty', () => {
    const m = CoredumpRequest.decode(new Uint8Array(0));
    expect(m).toEqual({ device: '', mode: 0, chunkSize: 0, resume: undefined });
    const r = ResourceDumpResponse.decode(new Uint8Array(0));
    expect(r.frame).toBeUndefined();
    expect(DumpChunk.decode(new Uint8Array(0)).data.length).toBe(0);
  });
});
