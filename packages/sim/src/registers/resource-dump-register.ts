/**
 * RESOURCE_DUMP (0xC000): firmware resource dumps, inline or through an mkey.
 *
 * Requires TOOLS_RESOURCES for uid != 0; read and write accesses behave
 * the same (Linux writes it, the public tools read it). Layout and segment
 * formats: `ifc/registers/resource-dump.ts`; stream contents:
 * `resource-dump-builder.ts`.
 *
 * PROTOCOL (as Linux `mlx5_rsc_dump_next` drives it: the caller sends back
 * the register firmware returned, so the continuation fields round-trip)
 * 1. Start: `more_dump` = 0, `seq_num` = 0, `segment_type` (0xffff for the
 *    menu), `index1`, `num_of_obj1`, `vhca_id` = 0. Firmware snapshots the
 *    objects and builds the whole stream; it replaces any dump this uid had
 *    in progress. `seq_num` != 0 on a start is REG_BAD_CONTINUATION.
 * 2. Every reply: `seq_num` = (request seq_num + 1) mod 16 (it wraps to 0
 *    after 15; Linux only checks a non-zero reply), `size` = stream bytes
 *    delivered by this call, `more_dump` = 1 while bytes remain,
 *    `device_opaque` = this dump's token; the other request fields echoed.
 * 3. Continue: send the reply back (same `segment_type`, the returned
 *    `seq_num`, `device_opaque` and `more_dump` = 1). A `seq_num`,
 *    `device_opaque` or `segment_type` that does not match the uid's dump in
 *    progress, or a continuation with none in progress, is
 *    REG_BAD_CONTINUATION and changes nothing. A dump ends (and is
 *    forgotten) with the reply whose `more_dump` is 0.
 * Delivery, chosen per call:
 * - inline (`inline_dump` = 1): up to 208 bytes in `inline_data`;
 * - mkey (`inline_dump` = 0): up to `size` bytes (> 0, else REG_BAD_FIELD)
 *   written at `address`, a byte offset into the memory `mkey` describes;
 *   each call writes from `address` again (the caller consumes the buffer
 *   between calls). Both deliveries of one stream concatenate to the same
 *   bytes.
 * Dumps are per uid: two contexts dump concurrently.
 */
import {
  CmdStatus,
  RegisterId,
  ResourceDumpReg,
  RSC_DUMP_INLINE_BYTES,
  Syndrome,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';
import { writeToMkey } from './mkey-writer.js';
import { badField, type RegisterHandler, type RegisterRequest } from './register-handler.js';
import { buildResourceDump } from './resource-dump-builder.js';

interface RscDump {
  readonly stream: Buffer;
  readonly segmentType: number;
  readonly opaque: bigint;
  /** Bytes delivered so far. */
  pos: number;
  /** The `seq_num` the next request must carry. */
  seq: number;
}

const badContinuation = (why: string) =>
  new FwError(
    CmdStatus.BAD_PARAM,
    Syndrome.REG_BAD_CONTINUATION,
    `${why}; start the dump again with more_dump 0 and seq_num 0`,
  );

/** ResourceDumpRegister: the RESOURCE_DUMP handler and its per-uid dumps. */
export class ResourceDumpRegister implements RegisterHandler {
  readonly id = RegisterId.RESOURCE_DUMP;
  readonly name = 'RESOURCE_DUMP';
  readonly read = true;
  readonly write = true;
  readonly inBytes = ResourceDumpReg.bytes;
  readonly outBytes = ResourceDumpReg.bytes;
  private readonly dumps = new Map<number, RscDump>();
  private opaque = 0n;

  constructor(
    private readonly host: RegisterHost,
    readonly cap: number,
  ) {}

  handle(req: RegisterRequest): void {
    const inn = ResourceDumpReg.decode(req.data);
    if (inn.vhca_id !== 0) {
      throw badField(`vhca_id ${inn.vhca_id}: only this function (0) can be dumped`);
    }
    const inline = inn.inline_dump === 1;
    if (!inline && inn.size === 0) throw badField('mkey dump needs size > 0');

    const starting = inn.more_dump === 0;
    let dump: RscDump;
    if (starting) {
      if (inn.seq_num !== 0) throw badContinuation(`seq_num ${inn.seq_num} on a new dump`);
      const stream = buildResourceDump(this.host, {
        segmentType: inn.segment_type,
        vhcaId: inn.vhca_id,
        index1: inn.index1,
        index2: inn.index2,
        numOfObj1: inn.num_of_obj1,
        numOfObj2: inn.num_of_obj2,
      });
      const opaque = BigInt.asUintN(64, this.opaque + 1n) || 1n;
      dump = { stream, segmentType: inn.segment_type, opaque, pos: 0, seq: 0 };
    } else {
      const d = this.dumps.get(req.uid);
      if (!d) throw badContinuation('no resource dump in progress for this context');
      if (inn.seq_num !== d.seq) throw badContinuation(`seq_num ${inn.seq_num}, expected ${d.seq}`);
      if (inn.device_opaque !== d.opaque || inn.segment_type !== d.segmentType) {
        throw badContinuation('device_opaque or segment_type differ from the dump in progress');
      }
      dump = d;
    }

    const start = dump.pos;
    const n = Math.min(inline ? RSC_DUMP_INLINE_BYTES : inn.size, dump.stream.length - start);
    if (inline) {
      dump.stream.copy(ResourceDumpReg.view(req.out, 'inline_data'), 0, start, start + n);
    } else {
      writeToMkey(this.host, req.uid, inn.mkey, inn.address, n, (pos, chunk) => {
        dump.stream.copy(chunk, 0, start + pos, start + pos + chunk.length);
      });
    }

    // Commit only now: a failed delivery leaves the dump where it was.
    dump.pos = start + n;
    dump.seq = (inn.seq_num + 1) & 0xf;
    const more = dump.pos < dump.stream.length;
    if (starting) {
      this.opaque = dump.opaque;
      this.forgetGone();
    }
    if (more) this.dumps.set(req.uid, dump);
    else this.dumps.delete(req.uid);
    ResourceDumpReg.write(req.out, {
      more_dump: more ? 1 : 0,
      inline_dump: inn.inline_dump,
      seq_num: dump.seq,
      segment_type: inn.segment_type,
      vhca_id: inn.vhca_id,
      index1: inn.index1,
      index2: inn.index2,
      num_of_obj1: inn.num_of_obj1,
      num_of_obj2: inn.num_of_obj2,
      device_opaque: dump.opaque,
      mkey: inn.mkey,
      size: n,
      address: inn.address,
    });
  }

  reset(): void {
    this.dumps.clear();
  }

  /** forgetGone: drop dumps of contexts that no longer exist. */
  private forgetGone(): void {
    for (const u of this.dumps.keys()) {
      if (u !== 0 && this.host.uidCaps(u) === undefined) this.dumps.delete(u);
    }
  }
}
