/**
 * AuxctlClient: the typed, promise-based client of one auxctld.
 *
 * Owns one grpc-js channel shared by the generated clients of every
 * service: CtlService's made at once, the others (DeviceService,
 * PortFunctionService, PciService, MigrationService, SimulatorService,
 * VdpaService) on first use, their code loaded only then
 * (service-clients.ts). Calls go through unary-calls.ts (per-call
 * deadlines, every failure an AuxctlError). CtlService (exec, sessions,
 * dumps) and DeviceService are methods here; the other services are call
 * groups: `client.sf`, `client.pci`, `client.vdpa`, `client.simulator`,
 * `client.migration`. Streams are exposed in their natural shapes:
 * WatchDevices and a migration's Save as async iterables (server-stream.ts;
 * breaking out of the loop cancels the call), Session via session.ts,
 * dumps via dump-download.ts. It must never retry a call on its own (an
 * Exec is not idempotent) and never outlive close(): every call after it
 * fails.
 */
import type { FwctlScopeName } from '@auxctl/prm';
import {
  CtlServiceClient,
  type ExecResponse,
  type HealthReporterName,
  type HealthReporterReport,
} from '@auxctl/proto/ctl';
import type {
  Device,
  GetHealthResponse,
  ListDevicesResponse,
  RecoverHealthReporterResponse,
  WatchDevicesRequest,
  WatchDevicesResponse,
} from '@auxctl/proto/devices';
import { Channel } from '@grpc/grpc-js';
import { AuxctlError } from './auxctl-error.js';
import type { Env } from './client-config.js';
import {
  type ChannelTarget,
  type ConnectionOptions,
  channelTarget,
  loadConnectionSettings,
} from './connection.js';
import {
  type DownloadOptions,
  type DownloadResult,
  type DumpSource,
  downloadDump,
} from './dump-download.js';
import { MigrationCalls } from './migration-calls.js';
import { PciCalls } from './pci-calls.js';
import { serverStream } from './server-stream.js';
import type { ServiceClientMap, ServiceName } from './service-clients.js';
import { openSession, type Session, type SessionOptions } from './session.js';
import { SfCalls } from './sf-calls.js';
import { SimulatorCalls } from './simulator-calls.js';
import type { TransportFacts } from './transport-failure.js';
import { type Callback, UnaryCalls } from './unary-calls.js';
import { VdpaCalls } from './vdpa-calls.js';
import { wireScopeOf } from './wire-scope.js';

/** AuxctlClientOptions: per-client behaviour. */
export interface AuxctlClientOptions {
  /** deadlineMs: deadline of each unary call (default 30 s); streams have none. */
  deadlineMs?: number;
}

/** DEFAULT_DEADLINE_MS: the unary deadline when none is given. */
export const DEFAULT_DEADLINE_MS = 30_000;

/** AuxctlClient: see the module comment. */
export class AuxctlClient {
  readonly address: string;
  /** ctl: the generated CtlService client, for calls this class does not wrap. */
  readonly ctl: CtlServiceClient;
  /** transport: how this client connects (what connection-failure messages explain). */
  readonly transport: TransportFacts;
  /** sf: sub-function ports (PortFunctionService). */
  readonly sf: SfCalls;
  /** pci: SR-IOV VFs and driver binding (PciService). */
  readonly pci: PciCalls;
  /** vdpa: vdpa management devices, devices and queues (VdpaService). */
  readonly vdpa: VdpaCalls;
  /** simulator: faults and guests of simulated devices (SimulatorService). */
  readonly simulator: SimulatorCalls;
  /** migration: a VF's live state, out and in (MigrationService). */
  readonly migration: MigrationCalls;
  readonly #calls: UnaryCalls;
  readonly #channel: Channel;

  constructor(target: ChannelTarget, options: AuxctlClientOptions = {}) {
    this.address = target.address;
    this.transport = target.transport ?? { address: target.address, insecure: false };
    this.#channel = new Channel(target.address, target.credentials, target.options);
    this.ctl = new CtlServiceClient(target.address, target.credentials, {
      channelOverride: this.#channel,
    });
    this.#calls = new UnaryCalls(
      target.address,
      target.credentials,
      this.#channel,
      this.transport,
      options.deadlineMs ?? DEFAULT_DEADLINE_MS,
    );
    this.sf = new SfCalls(this.#calls);
    this.pci = new PciCalls(this.#calls);
    this.vdpa = new VdpaCalls(this.#calls);
    this.simulator = new SimulatorCalls(this.#calls);
    this.migration = new MigrationCalls(this.#calls);
  }

  /** connect: resolve settings (options > env > client.json), read the PEM files, build a client. */
  static async connect(
    connection: ConnectionOptions = {},
    options: AuxctlClientOptions = {},
    env: Env = process.env,
  ): Promise<AuxctlClient> {
    const settings = await loadConnectionSettings(connection, env);
    return new AuxctlClient(await channelTarget(settings), options);
  }

  /**
   * service: the generated client of another service, for calls this class
   * does not wrap; its code is loaded on first use (service-clients.ts).
   */
  service<K extends ServiceName>(name: K): Promise<ServiceClientMap[K]> {
    return this.#calls.service(name);
  }

  /** listDevices: every device the caller may see, or only the named ones (NOT_FOUND for an unknown name). */
  async listDevices(names: readonly string[] = []): Promise<Device[]> {
    const res = await this.#calls.on(
      'devices',
      'ListDevices',
      (s, md, o, cb: Callback<ListDevicesResponse>) =>
        s.listDevices({ devices: [...names] }, md, o, cb),
    );
    return res.devices;
  }

  /** getHealth: the device's reporters (all, or the named ones) with diagnose output. */
  getHealth(
    device: string,
    reporters: readonly HealthReporterName[] = [],
  ): Promise<GetHealthResponse> {
    return this.#calls.on('devices', 'GetHealth', (s, md, o, cb) =>
      s.getHealth({ device, reporters: [...reporters] }, md, o, cb),
    );
  }

  /** recoverHealth: run a health reporter's recovery now; the reporter afterwards. */
  async recoverHealth(device: string, reporter: HealthReporterName): Promise<HealthReporterReport> {
    const res = await this.#calls.on(
      'devices',
      'RecoverHealthReporter',
      (s, md, o, cb: Callback<RecoverHealthReporterResponse>) =>
        s.recoverHealthReporter({ device, reporter }, md, o, cb),
    );
    if (!res.report)
      throw new AuxctlError('EPROTO', 'the server answered a recovery without a report');
    return res.report;
  }

  /**
   * watchDevices: device events until the caller stops iterating (or
   * `signal` aborts, which ends the iteration quietly). A server error ends
   * it with an AuxctlError.
   */
  async *watchDevices(
    request: Partial<WatchDevicesRequest> = {},
    signal?: AbortSignal,
  ): AsyncGenerator<WatchDevicesResponse, void, undefined> {
    const devices = await this.#calls.service('devices');
    const call = devices.watchDevices({
      devices: [],
      sendSnapshot: false,
      resumeAfter: 0,
      ...request,
    });
    yield* serverStream<WatchDevicesResponse>(call, {
      fail: (e) => this.#calls.failure(e, 'WatchDevices'),
      signal,
      quietOnAbort: true,
    });
  }

  /** exec: one firmware RPC in a context of its own; resolves with the outbox (firmware status inside). */
  async exec(
    device: string,
    scope: FwctlScopeName,
    inbox: Buffer,
    outLen: number,
  ): Promise<Buffer> {
    const res = await this.#calls.unary<ExecResponse>('Exec', (md, o, cb) =>
      this.ctl.exec({ device, scope: wireScopeOf(scope), inbox, outLen }, md, o, cb),
    );
    return res.outbox;
  }

  /** openSession: a pipelined session on `device` at `scope` (see session.ts); close it when done. */
  openSession(device: string, scope: FwctlScopeName, options?: SessionOptions): Promise<Session> {
    return openSession(this.ctl, device, scope, { transport: this.transport, ...options });
  }

  /** downloadDump: save a coredump / resource dump to a file (see dump-download.ts). */
  downloadDump(source: DumpSource, options: DownloadOptions): Promise<DownloadResult> {
    return downloadDump(this.ctl, source, { transport: this.transport, ...options });
  }

  /** close: close the channel; calls in progress fail with CANCELLED or UNAVAILABLE. */
  close(): void {
    this.#calls.close();
    // Every generated client runs on this one channel; closing it closes them all.
    this.#channel.close();
  }
}
