/**
 * Tracer: the firmware tracer's per-device state behind the MTRC registers.
 *
 * One owner at a time (a uid; 0 is the kernel driver), one configuration
 * (where traces would go) and one control state (tracing on or off, event
 * armed). Traces themselves are not produced: the model covers the control
 * plane a driver and a debug tool exercise. The string databases are fixed
 * text, the same for every device, so a tool can fetch and parse them.
 *
 * An owner whose context no longer exists loses ownership the next time the
 * tracer is looked at, as firmware frees a function's ownership with it.
 */
import { MtrcTraceMode, MtrcTraceStatus } from '@auxctl/prm';
import type { RegisterHost } from '../register-host.js';

/** STDB_READ_BYTES: string databases are padded to a multiple of this (Linux reads 256 at a time). */
export const STDB_READ_BYTES = 256;

/** LOG_MAX_TRACE_BUFFER: `log_max_trace_buffer_size` (4 MiB). */
export const LOG_MAX_TRACE_BUFFER = 22;

/** LOG_MIN_TRACE_BUFFER: the smallest trace buffer accepted (one 4 KiB page). */
export const LOG_MIN_TRACE_BUFFER = 12;

/** STRING_DB_BASE: firmware address of string database 0; database i is at base + i * 1 MiB. */
export const STRING_DB_BASE = 0x0010_0000;

const STRINGS: readonly (readonly string[])[] = [
  [
    'cmd: opcode 0x%x op_mod 0x%x uid %d completed in %d us',
    'cmd: opcode 0x%x failed, status 0x%x syndrome 0x%x',
    'health: counter %d, syndrome 0x%x',
    'object: %s 0x%x created by uid %d',
    'object: %s 0x%x destroyed by uid %d',
  ],
  [
    'port %d: link %s, speed %d Mb/s',
    'crdump: capture %d of %d bytes taken',
    'rsc_dump: segment 0x%x, %d objects',
    'tracer: owner uid %d, status %d',
  ],
];

function stringDb(lines: readonly string[]): Buffer {
  const text = Buffer.from(lines.map((l) => `${l}\0`).join(''), 'latin1');
  const padded = Buffer.alloc(Math.ceil(text.length / STDB_READ_BYTES) * STDB_READ_BYTES);
  text.copy(padded);
  return padded;
}

/** STRING_DBS: the tracer's string databases. */
export const STRING_DBS: readonly Buffer[] = STRINGS.map(stringDb);

/** TracerConf: MTRC_CONF as last written. */
export interface TracerConf {
  traceMode: number;
  logTraceBufferSize: number;
  traceMkey: number;
}

/** Tracer: owner, configuration and control state. */
export class Tracer {
  private ownerUid: number | undefined;
  conf: TracerConf = defaultConf();
  traceStatus: number = MtrcTraceStatus.DISABLED;
  armEvent = 0;

  constructor(private readonly host: RegisterHost) {}

  /** owner: the owning uid, after dropping an owner that no longer exists. */
  owner(): number | undefined {
    const o = this.ownerUid;
    if (o !== undefined && o !== 0 && this.host.uidCaps(o) === undefined) this.forget();
    return this.ownerUid;
  }

  /** acquire: make `uid` the owner if nobody else is; true when `uid` owns the tracer after. */
  acquire(uid: number): boolean {
    const o = this.owner();
    if (o === undefined) this.ownerUid = uid;
    return this.ownerUid === uid;
  }

  /** release: `uid` gives up ownership (no effect when it is not the owner); tracing stops. */
  release(uid: number): void {
    if (this.owner() === uid) this.forget();
  }

  /** reset: no owner, default configuration, tracing off. */
  reset(): void {
    this.forget();
  }

  private forget(): void {
    this.ownerUid = undefined;
    this.conf = defaultConf();
    this.traceStatus = MtrcTraceStatus.DISABLED;
    this.armEvent = 0;
  }
}

function defaultConf(): TracerConf {
  return { traceMode: MtrcTraceMode.TRACE_TO_MEMORY, logTraceBufferSize: 0, traceMkey: 0 };
}
