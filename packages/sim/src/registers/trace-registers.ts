/**
 * MTRC_CAP / MTRC_CONF / MTRC_STDB / MTRC_CTRL: firmware tracer control.
 *
 * All four require TOOLS_RESOURCES for uid != 0 and share one `Tracer`
 * (per device). Layouts: `ifc/registers/mtrc.ts`. The sequence a driver
 * runs (Linux diag/fw_tracer.c) works as on hardware:
 * 1. write MTRC_CAP with `trace_owner` = 1, read it back: `trace_owner` = 1
 *    means the caller owns the tracer (someone else already does -> 0);
 *    writing `trace_owner` = 0 releases it (and stops tracing).
 * 2. read MTRC_CAP for `num_string_db` and `string_db_param[i]`
 *    (`string_db_base_address`, `string_db_size`), then read each database
 *    through MTRC_STDB in `read_size` chunks from `start_offset`
 *    (the range must lie inside the database, else REG_BAD_FIELD; the
 *    outbox needs 8 + read_size bytes of register room, else BAD_OUTP_LEN).
 * 3. write MTRC_CONF (`trace_mode` = TRACE_TO_MEMORY, `log_trace_buffer_size`
 *    12..22, `trace_mkey` != 0); read returns the configuration.
 * 4. write MTRC_CTRL with `modify_field_select` = TRACE_STATUS to set
 *    `trace_status` (0 off, 1 on; on needs a configured `trace_mkey`) and
 *    `arm_event`; read returns them and `current_timestamp` (firmware
 *    clock in microseconds, 53 bits).
 * Writes of MTRC_CONF / MTRC_CTRL by a uid that does not own the tracer
 * fail with BAD_RES_STATE / REG_NOT_OWNER; reads are open to any uid with
 * the capability. Every reply carries the register's current contents.
 */
import {
  CmdStatus,
  MTRC_MAX_STRING_DBS,
  MtrcCap,
  MtrcConf,
  MtrcCtrl,
  MtrcCtrlSelect,
  MtrcStdb,
  MtrcStringDbParam,
  MtrcTraceMode,
  MtrcTraceStatus,
  RegisterId,
  Syndrome,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';
import { badField, type RegisterHandler, type RegisterRequest } from './register-handler.js';
import {
  LOG_MAX_TRACE_BUFFER,
  LOG_MIN_TRACE_BUFFER,
  STRING_DB_BASE,
  STRING_DBS,
  Tracer,
} from './tracer.js';

/** FIRST_STRING_TRACE / NUM_STRING_TRACE: event ids that carry strings (`mtrc_cap`). */
export const FIRST_STRING_TRACE = 0x40;
export const NUM_STRING_TRACE = 0x40;

function mustOwn(tracer: Tracer, uid: number, reg: string): void {
  if (tracer.owner() !== uid) {
    throw new FwError(
      CmdStatus.BAD_RES_STATE,
      Syndrome.REG_NOT_OWNER,
      `${reg}: uid ${uid} does not own the tracer; acquire it through MTRC_CAP trace_owner first`,
    );
  }
}

abstract class TraceRegister implements RegisterHandler {
  abstract readonly id: number;
  abstract readonly name: string;
  abstract readonly inBytes: number;
  abstract readonly outBytes: number;
  readonly read = true;
  readonly write: boolean = true;

  constructor(
    protected readonly tracer: Tracer,
    readonly cap: number,
  ) {}

  abstract handle(req: RegisterRequest): void;

  reset(): void {
    this.tracer.reset();
  }
}

class MtrcCapRegister extends TraceRegister {
  readonly id = RegisterId.MTRC_CAP;
  readonly name = 'MTRC_CAP';
  readonly inBytes = MtrcCap.bytes;
  readonly outBytes = MtrcCap.bytes;

  handle(req: RegisterRequest): void {
    if (req.access === 'write') {
      if (MtrcCap.get(req.data, 'trace_owner') === 1) this.tracer.acquire(req.uid);
      else this.tracer.release(req.uid);
    }
    MtrcCap.write(req.out, {
      trace_owner: this.tracer.owner() === req.uid ? 1 : 0,
      trace_to_memory: 1,
      trc_ver: 1,
      num_string_db: STRING_DBS.length,
      first_string_trace: FIRST_STRING_TRACE,
      num_string_trace: NUM_STRING_TRACE,
      log_max_trace_buffer_size: LOG_MAX_TRACE_BUFFER,
    });
    const params = MtrcCap.byteOffset('string_db_param');
    STRING_DBS.slice(0, MTRC_MAX_STRING_DBS).forEach((db, i) => {
      MtrcStringDbParam.write(
        req.out,
        { string_db_base_address: STRING_DB_BASE * (i + 1), string_db_size: db.length },
        params + i * MtrcStringDbParam.bytes,
      );
    });
  }
}

class MtrcConfRegister extends TraceRegister {
  readonly id = RegisterId.MTRC_CONF;
  readonly name = 'MTRC_CONF';
  readonly inBytes = MtrcConf.bytes;
  readonly outBytes = MtrcConf.bytes;

  handle(req: RegisterRequest): void {
    if (req.access === 'write') {
      mustOwn(this.tracer, req.uid, this.name);
      const c = MtrcConf.decode(req.data);
      if (c.trace_mode !== MtrcTraceMode.TRACE_TO_MEMORY) {
        throw badField(`trace_mode ${c.trace_mode}: only TRACE_TO_MEMORY (1)`);
      }
      if (
        c.log_trace_buffer_size < LOG_MIN_TRACE_BUFFER ||
        c.log_trace_buffer_size > LOG_MAX_TRACE_BUFFER
      ) {
        throw badField(
          `log_trace_buffer_size ${c.log_trace_buffer_size} outside ${LOG_MIN_TRACE_BUFFER}..${LOG_MAX_TRACE_BUFFER}`,
        );
      }
      if (c.trace_mkey === 0) throw badField('trace_mkey must name the trace buffer');
      this.tracer.conf = {
        traceMode: c.trace_mode,
        logTraceBufferSize: c.log_trace_buffer_size,
        traceMkey: c.trace_mkey,
      };
    }
    const conf = this.tracer.conf;
    MtrcConf.write(req.out, {
      trace_mode: conf.traceMode,
      log_trace_buffer_size: conf.logTraceBufferSize,
      trace_mkey: conf.traceMkey,
    });
  }
}

class MtrcStdbRegister extends TraceRegister {
  readonly id = RegisterId.MTRC_STDB;
  readonly name = 'MTRC_STDB';
  override readonly write = false;
  readonly inBytes = MtrcStdb.bytes;
  readonly outBytes = MtrcStdb.bytes;

  handle(req: RegisterRequest): void {
    const q = MtrcStdb.decode(req.data);
    const db = STRING_DBS[q.string_db_index];
    if (!db) throw badField(`string_db_index ${q.string_db_index} >= ${STRING_DBS.length}`);
    if (q.read_size === 0 || q.start_offset + q.read_size > db.length) {
      throw badField(
        `read of ${q.read_size} bytes at ${q.start_offset} outside string db ${q.string_db_index} (${db.length} bytes)`,
      );
    }
    if (req.out.length < MtrcStdb.bytes + q.read_size) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.REG_SHORT_OUTBOX,
        `MTRC_STDB needs ${MtrcStdb.bytes + q.read_size} register bytes in the outbox`,
      );
    }
    MtrcStdb.write(req.out, q);
    db.copy(req.out, MtrcStdb.bytes, q.start_offset, q.start_offset + q.read_size);
  }
}

class MtrcCtrlRegister extends TraceRegister {
  readonly id = RegisterId.MTRC_CTRL;
  readonly name = 'MTRC_CTRL';
  readonly inBytes = MtrcCtrl.bytes;
  readonly outBytes = MtrcCtrl.bytes;

  constructor(
    tracer: Tracer,
    cap: number,
    private readonly host: RegisterHost,
  ) {
    super(tracer, cap);
  }

  handle(req: RegisterRequest): void {
    if (req.access === 'write') {
      mustOwn(this.tracer, req.uid, this.name);
      const c = MtrcCtrl.decode(req.data);
      if ((c.modify_field_select & ~MtrcCtrlSelect.TRACE_STATUS) !== 0) {
        throw badField(`modify_field_select 0x${c.modify_field_select.toString(16)}`);
      }
      if (c.modify_field_select & MtrcCtrlSelect.TRACE_STATUS) {
        if (c.trace_status > MtrcTraceStatus.ENABLED) {
          throw badField(`trace_status ${c.trace_status}`);
        }
        if (c.trace_status === MtrcTraceStatus.ENABLED && this.tracer.conf.traceMkey === 0) {
          throw badField('tracing needs MTRC_CONF with a trace_mkey first');
        }
        this.tracer.traceStatus = c.trace_status;
        this.tracer.armEvent = c.arm_event;
      }
    }
    const now = this.host.now();
    const us = Number.isFinite(now) && now > 0 ? Math.floor(now * 1000) % 2 ** 53 : 0;
    MtrcCtrl.write(req.out, {
      trace_status: this.tracer.traceStatus,
      arm_event: this.tracer.armEvent,
      current_timestamp52_32: Math.floor(us / 2 ** 32),
      current_timestamp31_0: us % 2 ** 32,
    });
  }
}

/** createTraceRegisters: the four MTRC handlers over one tracer. */
export function createTraceRegisters(host: RegisterHost, cap: number): RegisterHandler[] {
  const tracer = new Tracer(host);
  return [
    new MtrcCapRegister(tracer, cap),
    new MtrcConfRegister(tracer, cap),
    new MtrcStdbRegister(tracer, cap),
    new MtrcCtrlRegister(tracer, cap, host),
  ];
}
