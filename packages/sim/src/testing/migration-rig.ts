/**
 * MigrationRig: a booted PF with SR-IOV and the VHCA migration commands
 * spelled out once (SUSPEND / RESUME / QUERY / SAVE / LOAD, the image
 * passing through a PF buffer and a PA key, as mlx5_vfio_pci's does), for
 * tests of live migration. Never imported by library code.
 */
import {
  CmdHdrOut,
  LoadVhcaStateIn,
  Op,
  QueryVhcaMigrationStateIn,
  QueryVhcaMigrationStateOut,
  SaveVhcaStateIn,
  SaveVhcaStateOut,
  VhcaIn,
  VhcaOut,
} from '@auxctl/prm';
import { type CmdResult, FirmwareHarness } from './firmware-harness.js';

/** BUF_BYTES: the PF's image buffer. */
const BUF_BYTES = 1 << 20;

/** SaveResult: SAVE_VHCA_STATE's answer and the image it wrote. */
export interface SaveResult extends CmdResult {
  readonly image: Buffer;
  readonly next: number;
}

/** MigrationRig: see the module header. */
export class MigrationRig {
  readonly pf: FirmwareHarness;
  readonly buf = Buffer.alloc(BUF_BYTES);
  readonly bufAddr: bigint;
  private readonly key: number;

  constructor(opts: { maxVfs?: number } = {}) {
    this.pf = new FirmwareHarness({ maxVfs: opts.maxVfs ?? 2 }).boot();
    this.bufAddr = this.pf.dma.map(this.buf);
    this.key = this.pf.mkey({ pd: this.pf.pd(), len: BigInt(BUF_BYTES), startAddr: this.bufAddr });
  }

  /** enableVf: enable VF `functionId` (migratable unless told) and return a harness on it, booted. */
  enableVf(
    functionId: number,
    o: { mac?: string; migratable?: boolean; boot?: boolean } = {},
  ): FirmwareHarness {
    const host = this.pf.fw.virtualFunctions;
    host.enable(functionId, {
      hwAddr: Buffer.from(o.mac ?? `0200000000${functionId.toString(16).padStart(2, '0')}`, 'hex'),
      roce: true,
      migratable: o.migratable ?? true,
    });
    const h = new FirmwareHarness({}, host.get(functionId)!.firmware);
    return o.boot === false ? h : h.boot();
  }

  private vhca(opcode: number, vhcaId: number, opMod = 0, uid = 0): Buffer {
    const b = this.pf.header(opcode, VhcaIn.bytes, uid, opMod);
    VhcaIn.set(b, 'vhca_id', vhcaId);
    return b;
  }

  suspend(vhcaId: number, opMod: number, uid = 0): CmdResult {
    return this.pf.run(this.vhca(Op.SUSPEND_VHCA, vhcaId, opMod, uid), VhcaOut.bytes);
  }

  resume(vhcaId: number, opMod: number): CmdResult {
    return this.pf.run(this.vhca(Op.RESUME_VHCA, vhcaId, opMod), VhcaOut.bytes);
  }

  /** stop / start: both suspensions in the driver's order, each checked OK. */
  stop(vhcaId: number): void {
    this.pf.ok(this.suspend(vhcaId, 0), 'SUSPEND_VHCA initiator');
    this.pf.ok(this.suspend(vhcaId, 1), 'SUSPEND_VHCA responder');
  }

  start(vhcaId: number): void {
    this.pf.ok(this.resume(vhcaId, 0), 'RESUME_VHCA responder');
    this.pf.ok(this.resume(vhcaId, 1), 'RESUME_VHCA initiator');
  }

  query(vhcaId: number, incremental = false): CmdResult & { required: number; remaining: bigint } {
    const b = this.pf.header(Op.QUERY_VHCA_MIGRATION_STATE, QueryVhcaMigrationStateIn.bytes);
    QueryVhcaMigrationStateIn.set(b, 'vhca_id', vhcaId);
    QueryVhcaMigrationStateIn.set(b, 'incremental', incremental ? 1 : 0);
    const r = this.pf.run(b, QueryVhcaMigrationStateOut.bytes);
    return {
      ...r,
      required: QueryVhcaMigrationStateOut.get(r.out, 'required_umem_size'),
      remaining: QueryVhcaMigrationStateOut.get64(r.out, 'remaining_total_size'),
    };
  }

  save(
    vhcaId: number,
    o: { incremental?: boolean; track?: boolean; size?: number } = {},
  ): SaveResult {
    const b = this.pf.header(Op.SAVE_VHCA_STATE, SaveVhcaStateIn.bytes);
    SaveVhcaStateIn.set(b, 'vhca_id', vhcaId);
    SaveVhcaStateIn.set(b, 'incremental', o.incremental ? 1 : 0);
    SaveVhcaStateIn.set(b, 'set_track', o.track ? 1 : 0);
    SaveVhcaStateIn.set64(b, 'va', this.bufAddr);
    SaveVhcaStateIn.set(b, 'mkey', this.key);
    SaveVhcaStateIn.set(b, 'size', o.size ?? BUF_BYTES);
    const r = this.pf.run(b, SaveVhcaStateOut.bytes);
    const n = r.status === 0 ? SaveVhcaStateOut.get(r.out, 'actual_image_size') : 0;
    return {
      ...r,
      image: Buffer.from(this.buf.subarray(0, n)),
      next: r.status === 0 ? SaveVhcaStateOut.get(r.out, 'next_required_umem_size') : 0,
    };
  }

  load(vhcaId: number, image: Buffer): CmdResult {
    image.copy(this.buf);
    const b = this.pf.header(Op.LOAD_VHCA_STATE, LoadVhcaStateIn.bytes);
    LoadVhcaStateIn.set(b, 'vhca_id', vhcaId);
    LoadVhcaStateIn.set64(b, 'va', this.bufAddr);
    LoadVhcaStateIn.set(b, 'mkey', this.key);
    LoadVhcaStateIn.set(b, 'size', image.length);
    return this.pf.run(b, CmdHdrOut.bytes);
  }
}
