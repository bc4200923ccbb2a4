/**
 * AuxctlClient: the typed, promise-based client of one auxctld.
 *
 * Owns one grpc-js channel shared by the generated clients of every
 * service: CtlService's made at once, the others (DeviceService,
 * PortFunctionService, PciService, MigrationService, SimulatorService,
 * VdpaService) on first use, their code loaded only then
 * (service-clients.ts). Also per-call deadlines for unary calls, and the
 * translation of every failure into AuxctlError (gRPC code name +
 * details). Streams are exposed in their natural shapes: WatchDevices and
 * a migration's Save as async iterables (server-stream.ts; breaking out of
 * the loop cancels the call), Session via session.ts, dumps via
 * dump-download.ts. It must never retry a call on its own (an Exec is not
 * idempotent) and never outlive close(): every call after it fails.
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
  PortFunction,
  RecoverHealthReporterResponse,
  WatchDevicesRequest,
  WatchDevicesResponse,
} from '@auxctl/proto/devices';
import type {
  LoadRequest,
  LoadResponse,
  MigrationState,
  SaveRequest,
  SaveResponse,
} from '@auxctl/proto/migration';
import type { PciFunction, SetVfRequest } from '@auxctl/proto/pci';
import type {
  ArmedFault,
  GetGuestResponse,
  GuestInfo,
  InjectFaultRequest,
  InjectFaultResponse,
  ListFaultsResponse,
  StartGuestRequest,
  StartGuestResponse,
} from '@auxctl/proto/simulator';
import type {
  AddVdpaDeviceRequest,
  GetVdpaQueueResponse,
  VdpaDevice,
  VdpaMgmtDev,
} from '@auxctl/proto/vdpa';
import {
  type CallOptions,
  Channel,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { AuxctlError, toAuxctlError } from './auxctl-error.js';
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
import { serverStream } from './server-stream.js';
import { type ServiceClientMap, ServiceClients, type ServiceName } from './service-clients.js';
import { openSession, type Session, type SessionOptions } from './session.js';
import type { TransportFacts } from './transport-failure.js';
import { wireScopeOf } from './wire-scope.js';

/** AuxctlClientOptions: per-client behaviour. */
export interface AuxctlClientOptions {
  /** deadlineMs: deadline of each unary call (default 30 s); streams have none. */
  deadlineMs?: number;
}

/** DEFAULT_DEADLINE_MS: the unary deadline when none is given. */
export const DEFAULT_DEADLINE_MS = 30_000;

type Callback<R> = (error: ServiceError | null, response: R) => void;

/** AuxctlClient: see the module comment. */
export class AuxctlClient {
  readonly address: string;
  /** ctl: the generated CtlService client, for calls this class does not wrap. */
  readonly ctl: CtlServiceClient;
  readonly #services: ServiceClients;
  readonly #channel: Channel;
  readonly #deadlineMs: number;
  /** transport: how this client connects (what connection-failure messages explain). */
  readonly transport: TransportFacts;
  #closed = false;

  constructor(target: ChannelTarget, options: AuxctlClientOptions = {}) {
    this.address = target.address;
    this.#deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.transport = target.transport ?? { address: target.address, insecure: false };
    this.#channel = new Channel(target.address, target.credentials, target.options);
    this.ctl = new CtlServiceClient(target.address, target.credentials, {
      channelOverride: this.#channel,
    });
    this.#services = new ServiceClients(target.address, target.credentials, this.#channel);
  }

  /**
   * service: the generated client of another service, for calls this class
   * does not wrap; its code is loaded on first use (service-clients.ts).
   */
  service<K extends ServiceName>(name: K): Promise<ServiceClientMap[K]> {
    return this.#services.get(name);
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

  #unary<R>(
    what: string,
    start: (md: Metadata, opts: Partial<CallOptions>, cb: Callback<R>) => ClientUnaryCall,
  ): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(
          new AuxctlError('UNAVAILABLE', 'the client was closed; connect again', { context: what }),
        );
        return;
      }
      // The deadline is a local timer that cancels the call, not a gRPC
      // deadline: grpc-timeout changes with every call, so HPACK sends it
      // literally and both ends set up deadline timers for it, which cost a
      // small call about a fifth of its latency. Cancelling ends the call on
      // the server just the same (it sees the stream reset).
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      try {
        const call = start(new Metadata(), {}, (error, response) => {
          clearTimeout(timer);
          if (timedOut) {
            reject(
              new AuxctlError('DEADLINE_EXCEEDED', `no answer within ${this.#deadlineMs} ms`, {
                grpcCode: status.DEADLINE_EXCEEDED,
                context: `${what} on ${this.address}`,
              }),
            );
          } else if (error)
            reject(toAuxctlError(error, `${what} on ${this.address}`, this.transport));
          else resolve(response);
        });
        timer = setTimeout(() => {
          timedOut = true;
          call.cancel();
        }, this.#deadlineMs);
      } catch (e) {
        clearTimeout(timer);
        reject(toAuxctlError(e, `${what} on ${this.address}`, this.transport));
      }
    });
  }

  /** #call: a unary call on the generated client of `name` (see #unary). */
  async #call<K extends ServiceName, R>(
    name: K,
    what: string,
    start: (
      svc: ServiceClientMap[K],
      md: Metadata,
      opts: Partial<CallOptions>,
      cb: Callback<R>,
    ) => ClientUnaryCall,
  ): Promise<R> {
    const svc = await this.#services.get(name);
    return this.#unary(what, (md, o, cb) => start(svc, md, o, cb));
  }

  /** #portFunction: a PortFunctionService call that answers one port; a server that sent none is INTERNAL. */
  async #portFunction(
    what: string,
    start: (
      svc: ServiceClientMap['portFunctions'],
      md: Metadata,
      opts: Partial<CallOptions>,
      cb: Callback<{ portFunction?: PortFunction }>,
    ) => ClientUnaryCall,
  ): Promise<PortFunction> {
    const res = await this.#call('portFunctions', what, start);
    if (res.portFunction === undefined) {
      throw new AuxctlError('INTERNAL', `${what} answered without a port function`);
    }
    return res.portFunction;
  }

  /** #pciFunction: a PciService call that answers one function. */
  async #pciFunction(
    what: string,
    start: (
      svc: ServiceClientMap['pci'],
      md: Metadata,
      opts: Partial<CallOptions>,
      cb: Callback<{ function?: PciFunction }>,
    ) => ClientUnaryCall,
  ): Promise<PciFunction> {
    const res = await this.#call('pci', what, start);
    if (res.function === undefined) {
      throw new AuxctlError('INTERNAL', `${what} answered without a PCI function`);
    }
    return res.function;
  }

  /** injectFault: arm one fault of a simulated device; answers the transport faults armed now. */
  async injectFault(
    device: string,
    fault: NonNullable<InjectFaultRequest['fault']>,
  ): Promise<ArmedFault[]> {
    const res = await this.#call(
      'simulator',
      'InjectFault',
      (s, md, o, cb: Callback<InjectFaultResponse>) => s.injectFault({ device, fault }, md, o, cb),
    );
    return res.armed;
  }

  /** clearFaults: disarm every fault of a simulated device (a fatal error stays until recovery). */
  async clearFaults(device: string): Promise<void> {
    await this.#call('simulator', 'ClearFaults', (s, md, o, cb) =>
      s.clearFaults({ device }, md, o, cb),
    );
  }

  /** listFaults: the armed transport faults of a simulated device. */
  async listFaults(device: string): Promise<ArmedFault[]> {
    const res = await this.#call(
      'simulator',
      'ListFaults',
      (s, md, o, cb: Callback<ListFaultsResponse>) => s.listFaults({ device }, md, o, cb),
    );
    return res.armed;
  }

  /** startGuest: boot a guest on a simulated VF bound to mlx5_vfio_pci (auxctld is its VMM). */
  async startGuest(req: StartGuestRequest): Promise<GuestInfo> {
    const res = await this.#call(
      'simulator',
      'StartGuest',
      (s, md, o, cb: Callback<StartGuestResponse>) => s.startGuest(req, md, o, cb),
    );
    return guestOf('StartGuest', res.guest);
  }

  /** getGuest: a VF's guest and its program's counters. */
  async getGuest(vf: string): Promise<GuestInfo> {
    const res = await this.#call(
      'simulator',
      'GetGuest',
      (s, md, o, cb: Callback<GetGuestResponse>) => s.getGuest({ vf }, md, o, cb),
    );
    return guestOf('GetGuest', res.guest);
  }

  /** stopGuest: power a VF's guest off (the VF is reset, guest memory released). */
  async stopGuest(vf: string): Promise<void> {
    await this.#call('simulator', 'StopGuest', (s, md, o, cb) => s.stopGuest({ vf }, md, o, cb));
  }

  /** listDevices: every device the caller may see, or only the named ones (NOT_FOUND for an unknown name). */
  async listDevices(names: readonly string[] = []): Promise<Device[]> {
    const res = await this.#call(
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
    return this.#call('devices', 'GetHealth', (s, md, o, cb) =>
      s.getHealth({ device, reporters: [...reporters] }, md, o, cb),
    );
  }

  /** recoverHealth: run a health reporter's recovery now; the reporter afterwards. */
  async recoverHealth(device: string, reporter: HealthReporterName): Promise<HealthReporterReport> {
    const res = await this.#call(
      'devices',
      'RecoverHealthReporter',
      (s, md, o, cb: Callback<RecoverHealthReporterResponse>) =>
        s.recoverHealthReporter({ device, reporter }, md, o, cb),
    );
    if (!res.report)
      throw new AuxctlError('EPROTO', 'the server answered a recovery without a report');
    return res.report;
  }

  /** sfAdd: add an inactive sub-function port to a PF device. */
  sfAdd(device: string, pfnum: number, sfnum: number): Promise<PortFunction> {
    return this.#portFunction('Add', (s, md, o, cb) => s.add({ device, pfnum, sfnum }, md, o, cb));
  }

  /** sfSet: configure an inactive port (unset fields keep their value). */
  sfSet(
    device: string,
    index: number,
    set: { hwAddr?: string; roce?: boolean; maxUctx?: number },
  ): Promise<PortFunction> {
    return this.#portFunction('Set', (s, md, o, cb) => s.set({ device, index, ...set }, md, o, cb));
  }

  /** sfActivate / sfDeactivate: bring a port's function and device up, or down. */
  sfActivate(device: string, index: number): Promise<PortFunction> {
    return this.#portFunction('Activate', (s, md, o, cb) =>
      s.activate({ device, index }, md, o, cb),
    );
  }

  sfDeactivate(device: string, index: number): Promise<PortFunction> {
    return this.#portFunction('Deactivate', (s, md, o, cb) =>
      s.deactivate({ device, index }, md, o, cb),
    );
  }

  /** sfDelete: remove a port (deactivated first when needed). */
  async sfDelete(device: string, index: number): Promise<void> {
    await this.#call('portFunctions', 'Delete', (s, md, o, cb) =>
      s.delete({ device, index }, md, o, cb),
    );
  }

  /** sfList: the ports of a PF device. */
  async sfList(device: string): Promise<PortFunction[]> {
    const res = await this.#call(
      'portFunctions',
      'List',
      (s, md, o, cb: Callback<{ portFunctions: PortFunction[] }>) => s.list({ device }, md, o, cb),
    );
    return res.portFunctions;
  }

  /** pciList: a PF and its VFs, or every PF the caller may configure with its VFs. */
  async pciList(device = ''): Promise<PciFunction[]> {
    const res = await this.#call(
      'pci',
      'ListFunctions',
      (s, md, o, cb: Callback<{ functions: PciFunction[] }>) =>
        s.listFunctions({ device }, md, o, cb),
    );
    return res.functions;
  }

  /** pciSetNumVfs: write a PF's sriov_numvfs; the PF and its VFs afterwards. */
  async pciSetNumVfs(device: string, numVfs: number): Promise<PciFunction[]> {
    const res = await this.#call(
      'pci',
      'SetNumVfs',
      (s, md, o, cb: Callback<{ functions: PciFunction[] }>) =>
        s.setNumVfs({ device, numVfs }, md, o, cb),
    );
    return res.functions;
  }

  /** pciSetAutoprobe: write a PF's sriov_drivers_autoprobe. */
  pciSetAutoprobe(device: string, on: boolean): Promise<PciFunction> {
    return this.#pciFunction('SetAutoprobe', (s, md, o, cb) =>
      s.setAutoprobe({ device, on }, md, o, cb),
    );
  }

  /** pciSetVf: configure VF `vf`'s port function (unset fields keep their value). */
  pciSetVf(
    device: string,
    vf: number,
    set: Omit<SetVfRequest, 'device' | 'vf'>,
  ): Promise<PciFunction> {
    return this.#pciFunction('SetVf', (s, md, o, cb) => s.setVf({ device, vf, ...set }, md, o, cb));
  }

  /** pciBind: bind a VF to `driver` through driver_override ('' clears the override). */
  pciBind(bdf: string, driver: string): Promise<PciFunction> {
    return this.#pciFunction('Bind', (s, md, o, cb) => s.bind({ bdf, driver }, md, o, cb));
  }

  /** pciUnbind: unbind a VF from its driver. */
  pciUnbind(bdf: string): Promise<PciFunction> {
    return this.#pciFunction('Unbind', (s, md, o, cb) => s.unbind({ bdf }, md, o, cb));
  }

  /** vdpaMgmtDevs: every vdpa management device, or the one named (NOT_FOUND when unknown). */
  async vdpaMgmtDevs(name = ''): Promise<VdpaMgmtDev[]> {
    const res = await this.#call(
      'vdpa',
      'ListMgmtDevs',
      (s, md, o, cb: Callback<{ mgmtdevs: VdpaMgmtDev[] }>) => s.listMgmtDevs({ name }, md, o, cb),
    );
    return res.mgmtdevs;
  }

  /** vdpaAdd: create a vdpa device through a management device (`vdpa dev add`). */
  async vdpaAdd(request: AddVdpaDeviceRequest): Promise<VdpaDevice> {
    const res = await this.#call(
      'vdpa',
      'AddVdpaDevice',
      (s, md, o, cb: Callback<{ device?: VdpaDevice }>) => s.addVdpaDevice(request, md, o, cb),
    );
    if (res.device === undefined) {
      throw new AuxctlError('INTERNAL', 'AddVdpaDevice answered without a device');
    }
    return res.device;
  }

  /** vdpaDelete: delete a vdpa device (`vdpa dev del`). */
  async vdpaDelete(name: string): Promise<void> {
    await this.#call('vdpa', 'DeleteVdpaDevice', (s, md, o, cb) =>
      s.deleteVdpaDevice({ name }, md, o, cb),
    );
  }

  /** vdpaDevices: every vdpa device, or the named ones (NOT_FOUND for an unknown name). */
  async vdpaDevices(names: readonly string[] = []): Promise<VdpaDevice[]> {
    const res = await this.#call(
      'vdpa',
      'ListVdpaDevices',
      (s, md, o, cb: Callback<{ devices: VdpaDevice[] }>) =>
        s.listVdpaDevices({ names: [...names] }, md, o, cb),
    );
    return res.devices;
  }

  /** vdpaQueue: one virtqueue's state and vendor statistics (`vdpa dev vstats show`). */
  vdpaQueue(name: string, queueIndex: number): Promise<GetVdpaQueueResponse> {
    return this.#call('vdpa', 'GetVdpaQueue', (s, md, o, cb) =>
      s.getVdpaQueue({ name, queueIndex }, md, o, cb),
    );
  }

  /** exec: one firmware RPC in a context of its own; resolves with the outbox (firmware status inside). */
  async exec(
    device: string,
    scope: FwctlScopeName,
    inbox: Buffer,
    outLen: number,
  ): Promise<Buffer> {
    const res = await this.#unary<ExecResponse>('Exec', (md, o, cb) =>
      this.ctl.exec({ device, scope: wireScopeOf(scope), inbox, outLen }, md, o, cb),
    );
    return res.outbox;
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
    const devices = await this.#services.get('devices');
    const call = devices.watchDevices({
      devices: [],
      sendSnapshot: false,
      resumeAfter: 0,
      ...request,
    });
    yield* serverStream<WatchDevicesResponse>(call, {
      fail: (e) => toAuxctlError(e, `WatchDevices on ${this.address}`, this.transport),
      signal,
      quietOnAbort: true,
    });
  }

  /**
   * migrationSave: a VF's save stream (progress, data, trailer) until it
   * ends; `signal` cancels it (the source VF then runs again). Errors are
   * AuxctlErrors.
   */
  async *migrationSave(
    request: Partial<SaveRequest> & { vf: string },
    signal?: AbortSignal,
  ): AsyncGenerator<SaveResponse, void, undefined> {
    const migration = await this.#services.get('migration');
    const call = migration.save({ precopyRounds: 0, chunkBytes: 0, leaseMs: 0, ...request });
    yield* serverStream<SaveResponse>(call, {
      fail: (e) => toAuxctlError(e, `Save on ${this.address}`, this.transport),
      signal,
      quietOnAbort: false,
    });
  }

  /**
   * migrationLoad: write `messages` (header, data, trailer) as one Load
   * stream, honouring the transport's flow control; resolves with the VF's
   * state once it runs. `signal` cancels the stream (the VF is then reset).
   */
  async migrationLoad(
    messages: AsyncIterable<LoadRequest>,
    signal?: AbortSignal,
  ): Promise<LoadResponse> {
    const migration = await this.#services.get('migration');
    return new Promise((resolve, reject) => {
      let answered = false;
      const call = migration.load((err, res) => {
        answered = true;
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(toAuxctlError(err, `Load on ${this.address}`, this.transport));
        else resolve(res as LoadResponse);
      });
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      void (async () => {
        try {
          for await (const m of messages) {
            // The destination answered early (a refusal): stop pulling from the source.
            if (answered) return;
            if (!call.write(m)) {
              // Wait for room, or for the call to end (its status) while waiting.
              await new Promise<void>((r) => {
                const go = (): void => {
                  call.off('drain', go);
                  call.off('status', go);
                  r();
                };
                call.once('drain', go);
                call.once('status', go);
              });
            }
          }
          if (!answered) call.end();
        } catch {
          // The source failed: cancelling makes the destination drop what it got.
          call.cancel();
        }
      })();
    });
  }

  /** migrationFinish: end a completed save: commit (the source is reset) or abort (it runs again). */
  async migrationFinish(vf: string, commit: boolean): Promise<MigrationState> {
    const res = await this.#call(
      'migration',
      'Finish',
      (s, md, o, cb: Callback<{ state: MigrationState }>) => s.finish({ vf, commit }, md, o, cb),
    );
    return res.state;
  }

  /** migrationState: a VF's migration state and driver. */
  migrationState(vf: string): Promise<{ state: MigrationState; driver: string }> {
    return this.#call('migration', 'GetState', (s, md, o, cb) => s.getState({ vf }, md, o, cb));
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
    this.#closed = true;
    // Every generated client runs on this one channel; closing it closes them all.
    this.#channel.close();
  }
}

/** guestOf: the guest an answer carries (INTERNAL when it carries none). */
function guestOf(what: string, g: GuestInfo | undefined): GuestInfo {
  if (g === undefined) throw new AuxctlError('INTERNAL', `${what} answered without a guest`);
  return g;
}
