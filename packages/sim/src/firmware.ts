/**
 * Firmware: the command processor and state of one simulated PCI function.
 *
 * It answers commands as an mlx5 device does, from an intact inbox to an
 * outbox of exactly the requested length (`execute`), and lends its state
 * to the register file (`RegisterHost`). Dispatch is table-driven
 * (commands/command-table.ts); before a handler runs, every command passes
 * the same checks, in this order, each failing with a documented status and
 * syndrome (@auxctl/prm syndromes.ts):
 *
 *  1. firmware halted by a fatal error     INT_ERR        FW_HALTED
 *  2. inbox shorter than the 16-byte header BAD_INP_LEN    SHORT_INBOX
 *  3. a status forced by fault injection    (forced)       (forced)
 *  4. opcode not implemented                BAD_OP         UNKNOWN_OPCODE
 *  5. inbox / outbox shorter than layout    BAD_INP_LEN / BAD_OUTP_LEN, SHORT_*
 *  6. op_mod not accepted                   BAD_PARAM      BAD_OP_MOD
 *  7. HCA state (see HcaState)              BAD_SYS_STATE  BAD_HCA_STATE
 *  8. uid unknown / not allowed / lacking a capability: BAD_PARAM with
 *     UID_UNKNOWN / UID_NOT_ALLOWED / UID_LACKS_CAP
 * A handler fails by throwing FwError; anything else it throws is a bug,
 * logged, and answered INT_ERR / INTERNAL. A failed command's outbox is zero
 * past the header. The outbox is `outLen` bytes (at most 16 + 512 * 512, the
 * largest command the queue carries).
 *
 * Health: see FwHealth (counter derived from the clock, 100 ms a tick).
 * `injectFatal` halts; `reset` is a function-level reset: back to the
 * pre-ENABLE_HCA state, objects, pages, capabilities and diagnostic state
 * gone, halt cleared; the crash count, forced statuses and port counters
 * (port-level, not function-level) survive.
 *
 * Hosted functions: `subFunctions` (sub-functions.ts) and
 * `virtualFunctions` (virtual-functions.ts) hold the SFs and SR-IOV VFs
 * this function hosts, each a Firmware of its own on this function's
 * embedded switch; a fatal error here halts them, a reset disables them.
 *
 * Owns: all function state. Never: transport (queue entries, mailboxes,
 * latency), which belongs to SimDevice.
 */
import {
  AuxError,
  CMD_HDR_BYTES,
  CmdHdrIn,
  CmdHdrOut,
  CmdStatus,
  checkHealthSyndrome,
  type DeviceIdentity,
  type DmaSpace,
  type Doorbell,
  type EventInterrupt,
  HealthSyndrome,
  MAX_CMD_BYTES,
  opcodeName,
  Syndrome,
  UCTX_CAP_ALL,
  UctxCap,
} from '@auxctl/prm';
import type { FwContext, HcaState, UidAccess } from './commands/command.js';
import { COMMAND_TABLE } from './commands/command-table.js';
import { Datapath } from './datapath/datapath.js';
import { DirtyLog } from './datapath/dirty-log.js';
import { counterFields } from './datapath/queue-data.js';
import type { SimPort } from './datapath/sim-port.js';
import { DIAG_COUNTERS, DIAG_LIMITS, DiagCounters } from './diag-counters.js';
import { EmbeddedSwitch } from './embedded-switch.js';
import type { FirmwareEngine } from './firmware-engine.js';
import { type FirmwareOptions, type FwClock, resolveFirmwareOptions } from './firmware-options.js';
import { FwError } from './fw-error.js';
import { FwHealth } from './fw-health.js';
import { type General2CapField, type GeneralCapField, HcaCaps } from './hca-caps.js';
import type { Logger } from './log.js';
import { lookupMkey, mkeyViews, scatter } from './memory-translation.js';
import type { FunctionParts } from './migration/function-state.js';
import { VhcaMigration } from './migration/vhca-migration.js';
import { type ObjectCounts, ObjectTable } from './object-table.js';
import { PageLedger } from './page-ledger.js';
import type { FwObjectView, RegisterHost } from './register-host.js';
import { CrdumpImage } from './registers/crdump-image.js';
import { RegisterFile } from './registers/register-file.js';
import { SubFunctions } from './sub-functions.js';
import { resolveVirtioEmulation } from './virtio-emulation-cap.js';
import { VirtualFunctions } from './virtual-functions.js';

interface Forced {
  readonly status: number;
  readonly syndrome: number;
  left: number;
}

/** Firmware: see the module header. */
export class Firmware implements FirmwareEngine, RegisterHost {
  readonly identity: DeviceIdentity;
  private readonly clock: FwClock;
  private readonly dma: DmaSpace;
  private readonly log: Logger;
  private readonly crdumpBytes: number;
  private readonly caps: HcaCaps;
  private readonly table: ObjectTable;
  private readonly pages = new PageLedger();
  private readonly diag: DiagCounters;
  private readonly health: FwHealth;
  private readonly registers: RegisterFile;
  private readonly ports: Map<string, bigint>[];
  private readonly forced = new Map<number, Forced>();
  private readonly hca: { state: HcaState; issi: number } = { state: 'disabled', issi: 0 };
  private readonly ctx: FwContext;
  /** datapath: queues, ports and the vport (see datapath/datapath.ts). */
  readonly datapath: Datapath;
  /** subFunctions: the SFs this function hosts (max_num_sf of them; none for an SF). */
  readonly subFunctions: SubFunctions;
  /** virtualFunctions: the SR-IOV VFs this function hosts (maxVfs of them; none for a VF or SF). */
  readonly virtualFunctions: VirtualFunctions;
  /**
   * dirtyLog: device DMA logging of this function (datapath/dirty-log.ts):
   * the pages of its DMA space the device wrote. The PF's host starts,
   * reads and stops it (the simplified stand-in for a PAGE_TRACK object).
   */
  readonly dirtyLog = new DirtyLog();
  /** migration: this function's side of live migration (the PF's VHCA commands drive it). */
  readonly migration = new VhcaMigration();
  /** The embedded switch of the functions this one hosts, made when the first is enabled. */
  private eswitch: EmbeddedSwitch | undefined;
  private commands = 0;
  private crashes = 0;
  private crashedAt: number;

  /** Throws AuxError(EINVAL) for impossible options (see FirmwareOptions). */
  constructor(options: FirmwareOptions) {
    const o = resolveFirmwareOptions(options);
    this.identity = o.identity;
    this.clock = o.clock;
    this.dma = o.dma;
    this.log = o.logger;
    this.crdumpBytes = o.crdumpSize;
    const now = this.now();
    this.crashedAt = now;
    this.caps = new HcaCaps({
      portType: o.portType,
      roce: o.roce,
      uctxCap: o.uctxCap,
      ports: o.ports,
      overrides: { ...sfCaps(o.maxSfs, o.maxVfs), ...vfCaps(o.maxVfs), ...o.caps },
      general2: { migratable: o.migratable ? 1 : 0 },
      ...(o.virtio !== false && { virtio: resolveVirtioEmulation(o.virtio) }),
      diag: { counterIds: DIAG_COUNTERS.map((c) => c.id), ...DIAG_LIMITS },
    });
    this.table = new ObjectTable((type) =>
      Math.min(this.caps.limit(type), o.objectLimits[type] ?? Number.POSITIVE_INFINITY),
    );
    this.diag = new DiagCounters(this.caps.get('device_frequency_khz'), now);
    this.health = new FwHealth(o.identity.fwVersion, o.identity.deviceId, o.identity.serial, now);
    this.ports = Array.from({ length: o.ports }, () => new Map<string, bigint>());
    this.datapath = new Datapath({
      dma: this.dma,
      dirty: this.dirtyLog,
      objects: this.table,
      log: this.log,
      ports: o.ports,
      halted: () => this.health.halted,
      portCounters: (n) => this.portCounters(n),
    });
    const spawn = (overrides: Partial<FirmwareOptions>) =>
      new Firmware({ ...options, identity: this.identity, ...overrides });
    const eswitch = () => {
      this.eswitch ??= new EmbeddedSwitch(this.datapath);
      return this.eswitch;
    };
    this.subFunctions = new SubFunctions({
      max: this.caps.get('max_num_sf', 'max'),
      baseId: this.caps.get('sf_base_id', 'max'),
      pf: this,
      spawn,
      eswitch,
      log: this.log,
    });
    this.virtualFunctions = new VirtualFunctions({
      total: o.maxVfs,
      pf: this,
      spawn,
      eswitch,
      log: this.log,
    });
    const self = this;
    this.ctx = {
      identity: this.identity,
      dma: this.dma,
      caps: this.caps,
      objects: this.table,
      pages: this.pages,
      diag: this.diag,
      hca: this.hca,
      get commands() {
        return self.commands;
      },
      now: () => this.now(),
      accessRegister: (uid, inbox, outbox) => this.registers.access(uid, inbox, outbox),
      teardown: () => {
        this.table.clear();
        this.diag.stop();
        this.datapath.reset();
      },
      datapath: this.datapath,
      functions: this.subFunctions,
      vfs: this.virtualFunctions,
    };
    this.registers = new RegisterFile(this);
  }

  // ---- FirmwareEngine -------------------------------------------------------

  /** execute: run one command; never throws (see the module header for the checks). */
  execute(inbox: Buffer, outLen: number): Buffer {
    // Never more than the largest command the queue carries: the transport's limit.
    const out = Buffer.alloc(
      Number.isSafeInteger(outLen) && outLen > 0 ? Math.min(outLen, MAX_CMD_BYTES) : 0,
    );
    let status: number = CmdStatus.OK;
    let syndrome = 0;
    try {
      this.dispatch(inbox, out);
    } catch (e) {
      if (e instanceof FwError) {
        status = e.status & 0xff;
        syndrome = e.syndrome >>> 0;
      } else {
        status = CmdStatus.INT_ERR;
        syndrome = Syndrome.INTERNAL;
        const opcode = inbox.length >= 2 ? inbox.readUInt16BE(0) : -1;
        this.log.error(
          { err: e, opcode: opcodeName(opcode) },
          'firmware handler failed unexpectedly',
        );
      }
      out.fill(0);
    }
    writeStatus(out, status, syndrome);
    return out;
  }

  /** halted: true after a fatal error until reset. */
  get halted(): boolean {
    return this.health.halted;
  }

  /** readHealth: a fresh copy of the health buffer. */
  readHealth(): Buffer {
    return this.health.read(this.now());
  }

  /** healthCounter: +1 per 100 ms of firmware time; frozen while halted. */
  healthCounter(): number {
    return this.health.counter(this.now());
  }

  /** reset: function-level reset (see the module header). */
  reset(): void {
    const now = this.now();
    this.table.clear();
    this.pages.clear();
    this.caps.reset();
    this.diag.reset(now);
    this.hca.state = 'disabled';
    this.hca.issi = 0;
    this.health.restart(now);
    this.registers.reset();
    this.datapath.reset();
    this.subFunctions.reset();
    this.virtualFunctions.reset();
    this.migration.reset();
    this.dirtyLog.stop();
  }

  /**
   * injectFatal: firmware asserts: health buffer gets `synd` / `extSynd` and
   * assert values, the crash count grows, the counter freezes, commands get
   * INT_ERR / FW_HALTED until reset. A second fatal while halted is ignored.
   */
  injectFatal(synd: number = HealthSyndrome.FW_INTERNAL_ERR, extSynd = 0): void {
    checkHealthSyndrome(synd, extSynd);
    if (this.health.halted) return;
    this.crashes++;
    this.crashedAt = this.now();
    this.health.fatal(synd, extSynd, this.crashes, this.now());
    this.datapath.refreshLinks();
    this.subFunctions.fatal(synd, extSynd);
    this.virtualFunctions.fatal(synd, extSynd);
    this.log.warn({ synd, extSynd, crash: this.crashes }, 'firmware fatal error injected');
  }

  /**
   * forceStatus: the next `count` commands of `opcode` (Infinity: all until
   * cleared) fail with `status` / `syndrome` without running.
   */
  forceStatus(opcode: number, status: number, syndrome: number = Syndrome.FORCED, count = 1): void {
    if (!Number.isInteger(opcode) || opcode < 0 || opcode > 0xffff) {
      throw new AuxError('EINVAL', 'an opcode is 0..0xffff');
    }
    if (!Number.isInteger(status) || status < 1 || status > 0xff) {
      throw new AuxError('EINVAL', 'a forced status is 1..255 (see ifc/status.ts CmdStatus)');
    }
    if (!Number.isInteger(syndrome) || syndrome < 0 || syndrome > 0xffff_ffff) {
      throw new AuxError('EINVAL', 'a syndrome is a 32-bit unsigned integer');
    }
    if (!(count === Number.POSITIVE_INFINITY || (Number.isInteger(count) && count >= 1))) {
      throw new AuxError('EINVAL', 'count is a positive integer or Infinity');
    }
    this.forced.set(opcode, { status, syndrome, left: count });
  }

  /** clearFaults: forget every forced status (a fatal error stays until reset). */
  clearFaults(): void {
    this.forced.clear();
  }

  // ---- data path ------------------------------------------------------------

  /** ringDoorbell: a data-path doorbell (see Datapath.ringDoorbell). */
  ringDoorbell(db: Doorbell): void {
    this.datapath.ringDoorbell(db);
  }

  attachEvents(onInterrupt: EventInterrupt): void {
    this.datapath.attachEvents(onInterrupt);
  }

  detachEvents(): void {
    this.datapath.detachEvents();
  }

  // ---- RegisterHost ---------------------------------------------------------

  /** port: physical port `n` (PAOS / PMTU). */
  port(n: number): SimPort | undefined {
    return this.datapath.port(n);
  }

  /** setPortAdmin: PAOS admin status; both ends of the link follow. */
  setPortAdmin(port: SimPort, up: boolean): void {
    this.datapath.setAdmin(port, up);
  }

  /** uidCaps: uctx capability bits of `uid`; every bit for uid 0; undefined when unknown. */
  uidCaps(uid: number): number | undefined {
    if (uid === 0) return UCTX_CAP_ALL;
    const u = this.table.get('UCTX', uid);
    return u ? Number(u.context.cap) : undefined;
  }

  crdumpSize(): number {
    return this.crdumpBytes;
  }

  virtioQueues(): boolean {
    return this.caps.virtio !== undefined && this.capability('vhca_id') !== 0;
  }

  crashCount(): number {
    return this.crashes;
  }

  crashTime(): number {
    return this.crashedAt;
  }

  /**
   * readCrdump: the whole core dump of the last crash, as the driver reads it
   * through the crspace gateway: no command involved, so it works while
   * firmware is halted. Same bytes as CORE_DUMP through ACCESS_REG.
   */
  readCrdump(): Buffer {
    const image = new CrdumpImage({
      identity: this.identity,
      crashCount: this.crashes,
      size: this.crdumpBytes,
      timestamp: this.crashedAt,
    });
    const out = Buffer.allocUnsafe(image.size);
    image.read(0, out);
    return out;
  }

  /**
   * writeMkey: copy `data` to byte `offset` of the memory key `mkey`
   * (`index << 8 | variant`) on behalf of `uid`, through the key's umem and
   * its MTT pages (or bus addresses for a PA key). Throws FwError: BAD_PARAM
   * UID_UNKNOWN; BAD_RES OBJ_NOT_FOUND (no such key / wrong variant) or
   * OBJ_OTHER_UID; BAD_PARAM MEM_OUT_OF_RANGE, MEM_ACCESS_DENIED (no `lw`),
   * MEM_NOT_MAPPED. Nothing is written when it throws.
   */
  writeMkey(uid: number, mkey: number, offset: number, data: Buffer): void {
    if (uid !== 0 && this.uidCaps(uid) === undefined) {
      throw new FwError(CmdStatus.BAD_PARAM, Syndrome.UID_UNKNOWN, `uid ${uid} does not exist`);
    }
    const key = lookupMkey(this.table, mkey, uid);
    scatter(mkeyViews(this.dma, key.data, offset, data.length, this.dirtyLog), data);
  }

  /** objects: every live object, in creation order; queue contexts show their current counters. */
  *objects(): Iterable<FwObjectView> {
    for (const o of this.table.objects()) {
      const counters = counterFields(o.type, o.data);
      yield counters
        ? { type: o.type, id: o.id, uid: o.uid, context: { ...o.context, ...counters } }
        : o;
    }
  }

  /** portCounters: the counter store of port `port` (1-based). */
  portCounters(port: number): Map<string, bigint> | undefined {
    return Number.isInteger(port) && port >= 1 ? this.ports[port - 1] : undefined;
  }

  now(): number {
    return this.clock.now();
  }

  /** dmaSpace: the host memory this function reaches (shared with the SFs it hosts). */
  get dmaSpace(): DmaSpace {
    return this.dma;
  }

  // ---- for tests and tools --------------------------------------------------

  /** state: the HCA lifecycle state. */
  get state(): HcaState {
    return this.hca.state;
  }

  /** objectCounts: live objects per type, of every uid or only of `uid`. */
  objectCounts(uid?: number): ObjectCounts {
    return this.table.objectCounts(uid);
  }

  /** queryCap: capability structure `capType` (current or max), as QUERY_HCA_CAP answers it. */
  queryCap(capType: number, current: boolean): Buffer | undefined {
    return this.caps.query(capType, current);
  }

  /** capability2: a `cmd_hca_cap_2` capability (e.g. `migratable`). */
  capability2(field: General2CapField): number {
    return this.caps.get2(field);
  }

  /** migrationParts: the state a VHCA state image covers (migration/function-state.ts). */
  get migrationParts(): FunctionParts {
    return {
      objects: this.table,
      caps: this.caps,
      pages: this.pages,
      hca: this.hca,
      datapath: this.datapath,
      portCounters: this.ports,
    };
  }

  /** capability: a general capability, current or max. */
  capability(field: GeneralCapField, which: 'cur' | 'max' = 'cur'): number {
    return this.caps.get(field, which);
  }

  /** commandCount: commands that reached a handler since the firmware was built. */
  get commandCount(): number {
    return this.commands;
  }

  // ---- dispatch -------------------------------------------------------------

  private dispatch(inbox: Buffer, out: Buffer): void {
    if (this.health.halted) {
      throw new FwError(CmdStatus.INT_ERR, Syndrome.FW_HALTED, 'firmware halted; reset the device');
    }
    if (inbox.length < CMD_HDR_BYTES) {
      throw new FwError(
        CmdStatus.BAD_INP_LEN,
        Syndrome.SHORT_INBOX,
        'inbox shorter than the header',
      );
    }
    const opcode = CmdHdrIn.get(inbox, 'opcode');
    const uid = CmdHdrIn.get(inbox, 'uid');
    const opMod = CmdHdrIn.get(inbox, 'op_mod');
    const forced = this.forced.get(opcode);
    if (forced) {
      if (--forced.left <= 0) this.forced.delete(opcode);
      throw new FwError(forced.status, forced.syndrome, `${opcodeName(opcode)}: forced status`);
    }
    const spec = COMMAND_TABLE.get(opcode);
    if (!spec)
      throw new FwError(
        CmdStatus.BAD_OP,
        Syndrome.UNKNOWN_OPCODE,
        `opcode 0x${opcode.toString(16)}`,
      );
    if (inbox.length < spec.in.bytes) {
      throw new FwError(
        CmdStatus.BAD_INP_LEN,
        Syndrome.SHORT_INBOX,
        `${spec.in.name} is ${spec.in.bytes} bytes`,
      );
    }
    if (out.length < spec.out.bytes) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.SHORT_OUTBOX,
        `${spec.out.name} is ${spec.out.bytes} bytes`,
      );
    }
    if (!spec.opMods.includes(opMod)) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.BAD_OP_MOD,
        `${opcodeName(opcode)} op_mod 0x${opMod.toString(16)}`,
      );
    }
    if (!spec.states.includes(this.hca.state)) {
      throw new FwError(
        CmdStatus.BAD_SYS_STATE,
        Syndrome.BAD_HCA_STATE,
        `${opcodeName(opcode)} is not valid while the HCA is ${this.hca.state}`,
      );
    }
    this.checkUid(uid, spec.access, opcode);
    this.commands++;
    this.diag.advance(this.now(), this.commands);
    const call = { inbox, outbox: out, uid, opMod };
    // A tools context's query may name the kernel's objects too (never another context's).
    const tools =
      spec.toolsQuery && uid !== 0 && ((this.uidCaps(uid) ?? 0) & UctxCap.TOOLS_RESOURCES) !== 0;
    if (tools) this.table.asKernelReader(uid, () => spec.run(this.ctx, call));
    else spec.run(this.ctx, call);
  }

  private checkUid(uid: number, access: UidAccess, opcode: number): void {
    if (uid === 0) return;
    const caps = this.uidCaps(uid);
    if (caps === undefined) {
      throw new FwError(CmdStatus.BAD_PARAM, Syndrome.UID_UNKNOWN, `uid ${uid} does not exist`);
    }
    if (access === 'kernel') {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.UID_NOT_ALLOWED,
        `${opcodeName(opcode)} is for uid 0 only`,
      );
    }
    if (access !== 'any' && (caps & access.cap) !== access.cap) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.UID_LACKS_CAP,
        `${opcodeName(opcode)} needs uctx capability 0x${access.cap.toString(16)}; uid ${uid} has 0x${caps.toString(16)}`,
      );
    }
  }
}

/**
 * sfCaps: the sub-function capabilities of a function that can host `max`
 * SFs and `vfs` VFs: SF function ids start after the last VF's.
 */
function sfCaps(max: number, vfs: number): Partial<Record<GeneralCapField, number>> {
  return {
    sf: max > 0 ? 1 : 0,
    max_num_sf: max,
    log_max_sf: max > 0 ? Math.ceil(Math.log2(max)) : 0,
    sf_base_id: max > 0 ? vfs + 1 : 0,
  };
}

/**
 * vfCaps: a function hosting VFs manages their resources, can migrate them
 * and log their DMA writes for pre-copy (`vhca_resource_manager`,
 * `migration`, `adv_virtualization`; the log is read through the
 * VirtualFunctionHost's `dirtyLog`); one hosting none cannot.
 */
function vfCaps(vfs: number): Partial<Record<GeneralCapField, number>> {
  const on = vfs > 0 ? 1 : 0;
  return { vhca_resource_manager: on, migration: on, adv_virtualization: on };
}

/** STATUS_BYTES: status, reserved and syndrome, the part of the outbox header firmware writes. */
const STATUS_BYTES = CmdHdrOut.byteOffset('syndrome') + 4;

/**
 * writeStatus: `status`, a zero reserved field and `syndrome` at the start
 * of the outbox, in place when it holds them all (no header to allocate
 * and copy per command), else as many of their bytes as fit.
 */
function writeStatus(out: Buffer, status: number, syndrome: number): void {
  const hdr = out.length >= STATUS_BYTES ? out : Buffer.alloc(STATUS_BYTES);
  CmdHdrOut.set(hdr, 'status', status);
  CmdHdrOut.set(hdr, 'reserved_at_8', 0);
  CmdHdrOut.set(hdr, 'syndrome', syndrome);
  if (hdr !== out) hdr.copy(out, 0, 0, out.length);
}
