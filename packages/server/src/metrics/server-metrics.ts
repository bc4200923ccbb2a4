/**
 * ServerMetrics: the Prometheus metrics of one auxctld, in a registry of
 * its own (never prom-client's global one, so several servers in one
 * process keep apart).
 *
 * | metric                                | type      | labels                   |
 * |---------------------------------------|-----------|--------------------------|
 * | auxctl_rpc_total                      | counter   | method, code             |
 * | auxctl_rpc_duration_seconds           | histogram | method                   |
 * | auxctl_fw_commands_total              | counter   | device, opcode, status   |
 * | auxctl_fw_command_duration_seconds    | histogram | opcode                   |
 * | auxctl_dump_bytes_total               | counter   | kind                     |
 * | auxctl_dumps_active                   | gauge     |                          |
 * | auxctl_sessions_active                | gauge     |                          |
 * | auxctl_dump_store_bytes               | gauge     |                          |
 *
 * Gauges are read from their sources when scraped, so they cannot drift
 * from the state they describe. Calls and firmware commands are recorded
 * with one array push and handed to prom-client in batches (label hashing
 * and bucket search run in one warm loop, off the call's path): when
 * RECORD_BATCH are waiting, and before every read of the registry, so a
 * scrape sees every call that finished before it. Owns the metric names, help and buckets.
 * It must never take a label value from a caller unbounded: methods are
 * the server's own, opcodes and statuses come through fw-command-labels,
 * dump kinds from the store's fixed set.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FwCommand, FwCommandObserver } from './metered-channel.js';

/** MetricsSources: where the gauges read their values at scrape time. */
export interface MetricsSources {
  /** Open CtlService sessions. */
  sessionsActive(): number;
  /** Dump calls running (capturing or streaming). */
  dumpsActive(): number;
  /** Bytes held by the dump store. */
  dumpStoreBytes(): number;
}

// Firmware commands take microseconds to seconds (dumps through umem the longest).
const FW_BUCKETS = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];
// Calls include whole sessions and dump streams, so the top buckets are long.
const RPC_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120];

/** How many calls or firmware commands wait before they are handed to prom-client. */
export const RECORD_BATCH = 256;

/** Batch: records kept until `flush` hands them to `apply` (see the module header). */
class Batch<T> {
  private items: T[] = [];

  constructor(private readonly apply: (item: T) => void) {}

  add(item: T): void {
    if (this.items.push(item) >= RECORD_BATCH) this.flush();
  }

  flush(): void {
    const items = this.items;
    if (items.length === 0) return;
    this.items = [];
    for (const item of items) this.apply(item);
  }
}

interface RpcRecord {
  readonly method: string;
  readonly code: string;
  readonly seconds: number;
}

/** ServerMetrics: see the module header. */
export class ServerMetrics implements FwCommandObserver {
  readonly registry = new Registry();
  private readonly rpcTotal: Counter<'method' | 'code'>;
  private readonly rpcSeconds: Histogram<'method'>;
  private readonly fwTotal: Counter<'device' | 'opcode' | 'status'>;
  private readonly fwSeconds: Histogram<'opcode'>;
  private readonly dumpBytesTotal: Counter<'kind'>;
  private readonly dumpsDeliveredTotal: Counter<'kind'>;
  private readonly rpcs = new Batch<RpcRecord>((r) => {
    this.rpcTotal.inc({ method: r.method, code: r.code });
    this.rpcSeconds.observe({ method: r.method }, r.seconds);
  });
  private readonly fwCommands = new Batch<FwCommand>((c) => {
    this.fwTotal.inc({ device: c.device, opcode: c.opcode, status: c.status });
    this.fwSeconds.observe({ opcode: c.opcode }, c.seconds);
  });

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.rpcTotal = new Counter({
      name: 'auxctl_rpc_total',
      help: 'gRPC calls by method and status code',
      labelNames: ['method', 'code'],
      registers,
      collect: () => this.rpcs.flush(),
    });
    this.rpcSeconds = new Histogram({
      name: 'auxctl_rpc_duration_seconds',
      help: 'gRPC call duration by method (streams: until the call ends)',
      labelNames: ['method'],
      buckets: RPC_BUCKETS,
      registers,
      collect: () => this.rpcs.flush(),
    });
    this.fwTotal = new Counter({
      name: 'auxctl_fw_commands_total',
      help: 'firmware RPCs through ctl contexts by device, opcode and firmware status (or errno)',
      labelNames: ['device', 'opcode', 'status'],
      registers,
      collect: () => this.fwCommands.flush(),
    });
    this.fwSeconds = new Histogram({
      name: 'auxctl_fw_command_duration_seconds',
      help: 'firmware RPC duration by opcode',
      labelNames: ['opcode'],
      buckets: FW_BUCKETS,
      registers,
      collect: () => this.fwCommands.flush(),
    });
    this.dumpBytesTotal = new Counter({
      name: 'auxctl_dump_bytes_total',
      help: 'dump data bytes the transport took for clients, by dump kind',
      labelNames: ['kind'],
      registers,
    });
    this.dumpsDeliveredTotal = new Counter({
      name: 'auxctl_dumps_delivered_total',
      help: 'dump downloads whose trailer the transport took, by dump kind',
      labelNames: ['kind'],
      registers,
    });
    gauge(this.registry, 'auxctl_dumps_active', 'dump calls running now', sources.dumpsActive);
    gauge(this.registry, 'auxctl_sessions_active', 'open ctl sessions', sources.sessionsActive);
    gauge(
      this.registry,
      'auxctl_dump_store_bytes',
      'bytes of captured dumps kept in the dump store',
      sources.dumpStoreBytes,
    );
  }

  /** rpc: one finished gRPC call; `code` is the grpc status name (OK, NOT_FOUND, ...). */
  rpc(method: string, code: string, seconds: number): void {
    this.rpcs.add({ method, code, seconds });
  }

  /** fwCommand: one firmware RPC (see MeteredChannel). */
  fwCommand(c: FwCommand): void {
    this.fwCommands.add(c);
  }

  /** dumpBytes: `bytes` of a `kind` dump the transport took for a client. */
  dumpBytes(kind: string, bytes: number): void {
    this.dumpBytesTotal.inc({ kind }, bytes);
  }

  /** dumpDelivered: one `kind` download whose trailer the transport took. */
  dumpDelivered(kind: string): void {
    this.dumpsDeliveredTotal.inc({ kind });
  }

  /** text: the registry in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
