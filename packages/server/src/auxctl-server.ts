/**
 * AuxctlServer: auxctld — the gRPC server in front of its device sources, with
 * authentication, authorization, limits, logging, grpc.health.v1 and
 * server reflection.
 *
 * Owns the order of the middleware (logging, authentication, rate limit,
 * authorization — chosen here and nowhere else), the transport mode
 * (TLS that verifies the client certificate a caller presents, every
 * call then authenticated by that certificate or, when configured, a bearer
 * token; plaintext only when asked for and only on loopback) and the one shutdown path: stop accepting, drain for a bounded
 * time, cancel what is left, then close the devices. It must never serve
 * plaintext on a non-loopback address and never leave a device, context,
 * watcher or timer behind after `stop()`.
 */
import { join } from 'node:path';
import { type Logger, silentLogger } from '@auxctl/core';
import {
  CtlServiceService,
  DeviceServiceService,
  MigrationServiceService,
  PciServiceService,
  PortFunctionServiceService,
  SimulatorServiceService,
  VdpaServiceService,
} from '@auxctl/proto';
import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ensureDefaultPolicy } from './default-policy.js';
import { DeviceEventLog } from './devices/device-event-log.js';
import { DeviceSources } from './devices/device-sources.js';
import { DumpStore } from './dump-store/index.js';
import { DumpService } from './dumps/index.js';
import { authenticatedOnly, isReflection } from './grpc/authenticated-only.js';
import { composeMiddleware } from './grpc/call-context.js';
import {
  authentication,
  authorization,
  callOutcome,
  rateLimit,
  rpcRate,
} from './grpc/call-middleware.js';
import { RefusalAudit } from './grpc/refusal-audit.js';
import { guardService, transportReceiveLimit } from './grpc/request-guard.js';
import { addReflection, HEALTH_SERVICE, serviceNameOf } from './grpc/server-reflection.js';
import { streamAdmission, streamingMethodsOf } from './grpc/stream-admission.js';
import { transportRefusals } from './grpc/transport-refusals.js';
import { ConcurrencyLimiter, RateLimiter, StreamCaps } from './limits/index.js';
import { type MetricsHttp, ServerMetrics, serveMetrics } from './metrics/index.js';
import { type PolicyReloadResult, PolicyStore } from './policy/index.js';
import {
  assertLoopback,
  BearerVerifier,
  connectAddress,
  DEFAULT_ADMIN_PRINCIPAL,
  ensureState,
  formatListenAddress,
  optionalClientCertServerCredentials,
  parseListenAddress,
  recordClientAddress,
  type StateReport,
} from './security/index.js';
import { type AuxctlServerOptions, DEFAULT_LISTEN, SERVER_DEFAULTS } from './server-options.js';
import { ctlServiceImpl } from './services/ctl-service.js';
import { deviceServiceImpl } from './services/device-service.js';
import { ExecContexts } from './services/exec-contexts.js';
import { migrationServiceImpl } from './services/migration-service.js';
import { pciServiceImpl } from './services/pci-service.js';
import { portFunctionServiceImpl } from './services/port-function-service.js';
import { simulatorServiceImpl } from './services/simulator-service.js';
import { vdpaServiceImpl } from './services/vdpa-service.js';
import type { DeviceSource } from './sources/device-source.js';
import { openSources } from './sources/open-sources.js';
import { SimSource } from './sources/sim/sim-source.js';

export {
  type AuxctlServerOptions,
  DEFAULT_DUMP_MAX_AGE_MS,
  DEFAULT_DUMP_STORE_BYTES,
  DEFAULT_LISTEN,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  type DumpLimits,
  SERVER_DEFAULTS,
  type ServerLimits,
} from './server-options.js';

/** AuxctlServer: see the module header. */
export class AuxctlServer {
  private server: Server | undefined;
  private sourcesRef: DeviceSources | undefined;
  private execContexts: ExecContexts | undefined;
  private dumpService: DumpService | undefined;
  private events: DeviceEventLog | undefined;
  private policy: PolicyStore | undefined;
  private healthImpl: HealthImplementation | undefined;
  private stateReport: StateReport | undefined;
  private stopping: Promise<void> | undefined;
  private sessions: ConcurrencyLimiter | undefined;
  private metricsHttp: MetricsHttp | undefined;
  private served: readonly string[] = [];
  private reachAddress: string | undefined;
  private refusals: RefusalAudit | undefined;
  private readonly log: Logger;
  /** metrics: this server's Prometheus metrics (its own registry; usable before start). */
  readonly metrics: ServerMetrics;

  constructor(private readonly opts: AuxctlServerOptions) {
    this.log = opts.logger ?? silentLogger;
    this.metrics = new ServerMetrics({
      sessionsActive: () => this.sessions?.inUse() ?? 0,
      dumpsActive: () => this.dumpService?.inUse ?? 0,
      dumpStoreBytes: () => this.dumpService?.store.stats().bytes ?? 0,
    });
  }

  /** clientAddress: where a client on this host dials the server (what client.json names; after start). */
  get clientAddress(): string | undefined {
    return this.reachAddress;
  }

  /** services: the full names of the services served (after start), grpc.health.v1.Health included. */
  get services(): readonly string[] {
    return this.served;
  }

  /** metricsAddress: where `GET /metrics` is served (`host:port`), when metricsListen was given. */
  get metricsAddress(): string | undefined {
    return this.metricsHttp?.address;
  }

  /** devices: every device served, from all sources (after start). */
  get devices(): DeviceSources {
    if (!this.sourcesRef) throw new Error('AuxctlServer: start() first');
    return this.sourcesRef;
  }

  /** fleet: the simulated source (after start); throws when the server serves no simulated devices. */
  get fleet(): SimSource {
    const sim = this.devices.sources.find((s) => s instanceof SimSource);
    if (!sim) throw new Error('AuxctlServer: no simulated source');
    return sim;
  }

  /** dumps: the dump service and its store (after start). */
  get dumps(): DumpService {
    if (!this.dumpService) throw new Error('AuxctlServer: start() first');
    return this.dumpService;
  }

  /** state: what ensureState found and created (after start). */
  get state(): StateReport | undefined {
    return this.stateReport;
  }

  /**
   * start: check the listen address, prepare the state directory and
   * policy, probe the devices and bind. Resolves the bound address
   * (`host:port`). On failure everything started so far is stopped.
   */
  async start(): Promise<string> {
    if (this.server) throw new Error('AuxctlServer: already started');
    const o = this.opts;
    const listen = o.listen ?? DEFAULT_LISTEN;
    const parsed = o.insecure ? assertLoopback(listen) : parseListenAddress(listen);
    if (o.metricsListen !== undefined) parseListenAddress(o.metricsListen);
    try {
      return await this.startOn(listen, parsed.host);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async startOn(listen: string, host: string): Promise<string> {
    const o = this.opts;
    const audit = o.auditLogger ?? this.log;
    // client.json is created here and pointed at the bound address once the port is known.
    const state = await ensureState(o.stateDir, { logger: this.log });
    this.stateReport = state;
    const policyPath = o.policyPath ?? join(state.paths.dir, 'policy.json');
    if (
      o.policyPath === undefined &&
      (await ensureDefaultPolicy(
        policyPath,
        state.clientConfig.principal ?? DEFAULT_ADMIN_PRINCIPAL,
      ))
    ) {
      this.log.info({ path: policyPath }, 'created default policy (admin only)');
    }
    this.policy = await PolicyStore.open({ path: policyPath, logger: this.log });
    const sources: DeviceSource[] = [];
    // Registered before opening, so a failure part way closes what was opened.
    this.sourcesRef = new DeviceSources(sources, this.log);
    await openSources(o, { logger: this.log, audit }, (s) => sources.push(s));
    const devices = this.sourcesRef;
    this.events = new DeviceEventLog(devices);

    const l = o.limits ?? {};
    const bearer = o.bearer ? await BearerVerifier.create(o.bearer) : undefined;
    const authn = {
      ...(bearer && { bearer }),
      ...(o.insecure && {
        anonymousPrincipal: o.anonymousPrincipal ?? SERVER_DEFAULTS.anonymousPrincipal,
      }),
    };
    const refusals = new RefusalAudit(audit);
    this.refusals = refusals;
    const callRate = new RateLimiter({
      ratePerSec: l.ratePerSec ?? SERVER_DEFAULTS.limits.ratePerSec,
      burst: l.rateBurst ?? SERVER_DEFAULTS.limits.rateBurst,
      name: 'call rate',
    });
    // Filled by serve() below, before the first call can arrive.
    const streaming = new Set<string>();
    const mws = [
      callOutcome((method, code, seconds) => this.metrics.rpc(method, code, seconds), refusals),
      authentication(authn),
      rateLimit(callRate),
      streamAdmission(
        new StreamCaps({
          perConnection: l.streamsPerConnection ?? SERVER_DEFAULTS.limits.streamsPerConnection,
          perPrincipal: l.streamsPerPrincipal ?? SERVER_DEFAULTS.limits.streamsPerPrincipal,
        }),
        streaming,
      ),
      authorization(this.policy, audit, refusals),
    ];
    const env = { chain: composeMiddleware(mws), log: this.log };
    const d = o.dumps ?? {};
    this.dumpService = new DumpService({
      devices,
      store: new DumpStore({
        maxBytes: d.storeBytes ?? SERVER_DEFAULTS.dumps.storeBytes,
        maxAgeMs: d.maxAgeMs ?? SERVER_DEFAULTS.dumps.maxAgeMs,
        logger: this.log,
      }),
      limiter: new ConcurrencyLimiter({
        perKey: d.concurrentPerPrincipal ?? SERVER_DEFAULTS.dumps.concurrentPerPrincipal,
        global: d.concurrent ?? SERVER_DEFAULTS.dumps.concurrent,
        name: 'concurrent dumps',
      }),
      logger: this.log,
      policy: this.policy,
      metrics: this.metrics,
    });
    this.sessions = new ConcurrencyLimiter({
      perKey: l.sessionsPerPrincipal ?? SERVER_DEFAULTS.limits.sessionsPerPrincipal,
      global: l.sessionsTotal ?? SERVER_DEFAULTS.limits.sessionsTotal,
      name: 'sessions',
    });

    const execContexts = new ExecContexts({
      idleMs: o.execContextIdleMs ?? SERVER_DEFAULTS.execContextIdleMs,
      perKey: 8,
    });
    this.execContexts = execContexts;

    const maxMsg = l.maxMessageBytes ?? SERVER_DEFAULTS.limits.maxMessageBytes;
    const server = new Server({
      // Above maxMsg the guarded deserializers refuse (audited); grpc-js only beyond this.
      'grpc.max_receive_message_length': transportReceiveLimit(maxMsg),
      'grpc.max_send_message_length': 4 << 20,
      'grpc.max_concurrent_streams':
        l.maxConcurrentStreams ?? SERVER_DEFAULTS.limits.maxConcurrentStreams,
      interceptors: [transportRefusals(refusals), authenticatedOnly(isReflection, authn, refusals)],
    });
    this.server = server;
    // Every service goes through `serve`, so reflection, health and the stream caps see exactly what is served.
    const served: string[] = [];
    const serve = <Impl extends UntypedServiceImplementation>(
      def: ServiceDefinition<Impl>,
      impl: Impl,
    ): void => {
      server.addService(guardService(def, maxMsg), impl);
      served.push(serviceNameOf(def));
      for (const m of streamingMethodsOf([def])) streaming.add(m);
    };
    serve(DeviceServiceService, deviceServiceImpl(env, devices, this.events, audit));
    serve(
      CtlServiceService,
      ctlServiceImpl(env, {
        devices,
        sessions: this.sessions,
        session: { maxInFlight: l.maxInFlight ?? SERVER_DEFAULTS.limits.maxInFlight },
        dumps: this.dumpService,
        fw: this.metrics,
        execContexts,
        rpcRate: rpcRate(callRate, refusals),
      }),
    );
    serve(PortFunctionServiceService, portFunctionServiceImpl(env, devices, audit));
    serve(PciServiceService, pciServiceImpl(env, devices, audit));
    serve(MigrationServiceService, migrationServiceImpl(env, devices, audit));
    serve(VdpaServiceService, vdpaServiceImpl(env, devices, audit));
    serve(SimulatorServiceService, simulatorServiceImpl(env, devices, audit));
    this.healthImpl = new HealthImplementation(
      Object.fromEntries(['', ...served].map((name) => [name, 'SERVING'] as const)),
    );
    this.healthImpl.addToServer(server);
    this.served = [...served, HEALTH_SERVICE];
    const noReflection = addReflection(server, this.served);
    if (noReflection) this.log.warn({ reason: noReflection }, 'server reflection disabled');

    const creds = await this.credentials(state);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(listen, creds, (err, p) => (err ? reject(err) : resolve(p)));
    });
    const address = formatListenAddress(host, port);
    const reach = connectAddress(host, port);
    this.reachAddress = reach;
    if (await recordClientAddress(state.paths, reach)) {
      this.log.info({ path: state.paths.clientConfig, address: reach }, 'client.json points here');
    }
    if (o.metricsListen !== undefined) {
      this.metricsHttp = await serveMetrics(o.metricsListen, this.metrics.registry, this.log);
      this.log.info({ address: this.metricsHttp.address }, 'serving metrics');
    }
    this.log.info({ address, insecure: o.insecure === true }, 'listening');
    return address;
  }

  private async credentials(state: StateReport): Promise<ServerCredentials> {
    if (this.opts.insecure) return ServerCredentials.createInsecure();
    const { readFile } = await import('node:fs/promises');
    const p = state.paths;
    const [caPem, certPem, keyPem] = await Promise.all([
      readFile(p.caCert),
      readFile(p.serverCert),
      readFile(p.serverKey),
    ]);
    // The handshake never fails for a missing, foreign or expired client
    // certificate: the call then fails UNAUTHENTICATED saying which, which a
    // caller can act on, where a refused handshake is only "unavailable".
    return optionalClientCertServerCredentials({ caPem, certPem, keyPem });
  }

  /** reloadPolicy: re-read the policy file now (SIGHUP). */
  reloadPolicy(): Promise<PolicyReloadResult> {
    if (!this.policy) throw new Error('AuxctlServer: start() first');
    return this.policy.reload();
  }

  /**
   * stop: stop accepting calls, let running ones finish for up to
   * `drainTimeoutMs`, cancel the rest, then close the devices (which closes
   * every ctl context). Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    const server = this.server;
    if (server) {
      this.healthImpl?.setStatus('', 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.log.warn('drain timed out; cancelling the remaining calls');
          server.forceShutdown();
          resolve();
        }, this.opts.drainTimeoutMs ?? SERVER_DEFAULTS.drainTimeoutMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // Scrapes stay possible while calls drain; the endpoint goes before the devices.
    await this.execContexts?.close();
    this.refusals?.close();
    await this.metricsHttp?.close();
    this.events?.close();
    this.policy?.close();
    await this.sourcesRef?.close();
  }
}
