/**
 * Guest: a guest the VMM runs on a VF it opened through vfio — its driver
 * (core's CoreDevice on the VF's region: the guest's mlx5_core) sets up
 * an Ethernet channel with core's toolbox routines (PD, a registered
 * memory region, CQs, TIS, SQ, RQ, TIR; vport admin up), every buffer in
 * the VF's DMA domain, which is the guest's memory; then its vCPU runs the
 * program (guest-program.ts) from that memory alone.
 *
 * LIFECYCLE
 *   boot(fd, o)       driver up, program set up, vCPU running
 *   pause() / run()   the vCPU stops between steps / goes on (migration)
 *   vcpu()            its registers (read while paused)
 *   resume(fd, vcpu)  on a migration destination, once the device runs
 *                     and guest memory is in place: no command is sent
 *   powerOff()        the vCPU stops for good; nothing is sent to the
 *                     device (the VMM resets the VF, dropping the
 *                     driver's objects, and releases guest memory)
 * The vCPU steps every STEP_MS on an unref'd timer (never keeps the
 * process alive). A step that fails (the VF went away) powers it off.
 *
 * Owns: the vCPU. Never: guest memory's mappings after boot (the VMM's
 * GuestRam) or the VF's migration state.
 */
import {
  AuxiliaryBus,
  allocPd,
  CoreDevice,
  CoreHandle,
  createCq,
  createRq,
  createSq,
  createTir,
  createTis,
  createUmem,
  createUmemMkey,
  IdAllocator,
  modifyRq,
  modifySq,
  modifyVportState,
  QueueBuffer,
  queryNicVportContext,
  recvWqeStride,
  WorkQueue,
} from '@auxctl/core';
import {
  AuxError,
  CQE_BYTES,
  CQE_INIT_OP_OWN,
  Cqe64,
  type DeviceBackend,
  PAGE_SIZE,
  QueueState,
  VportState,
} from '@auxctl/prm';
import type { VfioDeviceFd } from '@auxctl/vfio';
import { GuestProgram, SLOT } from './guest-program.js';
import { decodeVcpu, encodeVcpu, GuestState, ProgramCode, STATE_MAGIC } from './guest-state.js';

/** LOG_SIZE: every ring has 2^LOG_SIZE entries. */
const LOG_SIZE = 6;
/** STEP_MS: the vCPU's step period. */
export const STEP_MS = 1;
/** GUEST_MEMORY_LIMITS: registered memory must hold the buffers (a receive and a send slot per ring entry). */
export const GUEST_MEMORY_LIMITS = {
  minBytes: 2 * (1 << LOG_SIZE) * SLOT,
  maxBytes: 256 * 1024 * 1024,
} as const;

export type GuestProgramName = 'flow' | 'echo';
export interface GuestOptions {
  readonly program: GuestProgramName;
  /** Registered memory: one MR of this many bytes in guest memory. */
  readonly memoryBytes: number;
  /** flow only: the MAC of the echo peer it sends to. */
  readonly peer?: Buffer;
}
export interface GuestStats {
  readonly program: GuestProgramName;
  readonly mac: string;
  readonly memoryBytes: number;
  readonly sent: number;
  readonly echoed: number;
  readonly retransmits: number;
  readonly duplicates: number;
  readonly sendCompletions: number;
  readonly recvCompletions: number;
  readonly completionErrors: number;
}

/** Guest: see the module header. */
export class Guest {
  private timer: NodeJS.Timeout | undefined;
  private off = false;
  private stepping: Promise<void> | undefined;

  private constructor(
    private readonly program: GuestProgram,
    private readonly stateIova: bigint,
  ) {}

  static async boot(fd: VfioDeviceFd<DeviceBackend>, o: GuestOptions): Promise<Guest> {
    const L = GUEST_MEMORY_LIMITS;
    if (
      o.memoryBytes % PAGE_SIZE !== 0 ||
      o.memoryBytes < L.minBytes ||
      o.memoryBytes > L.maxBytes
    ) {
      throw new AuxError(
        'EINVAL',
        `guest memory is whole pages, ${L.minBytes}..${L.maxBytes} bytes; got ${o.memoryBytes}`,
      );
    }
    if ((o.program === 'flow') !== (o.peer !== undefined) || (o.peer && o.peer.length !== 6)) {
      throw new AuxError('EINVAL', 'a flow guest needs its peer MAC (6 bytes); an echo guest none');
    }
    const core = await CoreDevice.probe({
      backend: fd.region,
      bus: new AuxiliaryBus(),
      ids: new IdAllocator(),
      kind: 'vf',
      auxTable: [],
      health: { poll: false },
    });
    const stateIova = await setUp(new CoreHandle(core, 'guest'), o);
    const program = new GuestProgram(fd.region, stateIova);
    program.fill();
    const g = new Guest(program, stateIova);
    g.run();
    return g;
  }

  /** resume: the guest from its memory and registers (see the module header). */
  static resume(fd: VfioDeviceFd<DeviceBackend>, vcpu: Buffer): Guest {
    const stateIova = decodeVcpu(vcpu);
    const program = new GuestProgram(fd.region, stateIova);
    if (program.st.get('magic') !== STATE_MAGIC) {
      throw new AuxError('EINVAL', 'the vCPU names no guest state page in guest memory');
    }
    const g = new Guest(program, stateIova);
    g.run();
    return g;
  }

  /** running: whether the vCPU steps. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  run(): void {
    if (this.off || this.timer) return;
    this.timer = setInterval(() => this.step(), STEP_MS);
    this.timer.unref();
  }

  async pause(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.stepping;
  }

  vcpu(): Buffer {
    return encodeVcpu(this.stateIova);
  }

  powerOff(): void {
    this.off = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  stats(): GuestStats {
    const st = this.program.st;
    return {
      program: st.get('program') === ProgramCode.flow ? 'flow' : 'echo',
      mac: st.mac.toString('hex'),
      memoryBytes: st.get('memoryPages') * PAGE_SIZE,
      sent: st.get('sent'),
      echoed: st.get('echoed'),
      retransmits: st.get('retransmits'),
      duplicates: st.get('duplicates'),
      sendCompletions: st.get('sendCompletions'),
      recvCompletions: st.get('recvCompletions'),
      completionErrors: st.get('completionErrors'),
    };
  }

  private step(): void {
    try {
      this.program.step();
    } catch {
      // The VF's memory or device went away under the guest: it stops.
      this.powerOff();
    }
  }
}

/** setUp: the guest driver's channel on `h` and the state page describing it; the page's address. */
async function setUp(h: CoreHandle, o: GuestOptions): Promise<bigint> {
  await h.openDataPath();
  await modifyVportState(h, VportState.UP);
  const { mac } = await queryNicVportContext(h);
  const pd = await allocPd(h);
  const memory = Buffer.alloc(o.memoryBytes);
  const memIova = h.dma.map(memory);
  const umem = await createUmem(h, h.dma, { addr: memIova, size: o.memoryBytes });
  const lkey = await createUmemMkey(h, {
    pd,
    umem,
    len: o.memoryBytes,
    iova: memIova,
    rights: { localWrite: true },
  });
  const entries = 1 << LOG_SIZE;
  const cq = async () => {
    const mem = new QueueBuffer(h.dma, entries * CQE_BYTES);
    for (let i = 0; i < entries; i++) Cqe64.set(mem.ring, 'op_own', CQE_INIT_OP_OWN, i * CQE_BYTES);
    const cqn = await createCq(h, {
      logSize: LOG_SIZE,
      eqn: h.compEqn(0),
      pas: mem.pas,
      dbrAddr: mem.dbrAddr,
    });
    return { mem, cqn };
  };
  const tx = await cq();
  const rx = await cq();
  const tisn = await createTis(h);
  const sqMem = new QueueBuffer(h.dma, WorkQueue.sendRingBytes(LOG_SIZE));
  const sqn = await createSq(h, {
    cqn: tx.cqn,
    tisn,
    pd,
    logSize: LOG_SIZE,
    pas: sqMem.pas,
    dbrAddr: sqMem.dbrAddr,
  });
  await modifySq(h, sqn, QueueState.RST, QueueState.RDY);
  const stride = recvWqeStride(1);
  const rqMem = new QueueBuffer(h.dma, entries * stride.bytes);
  const rqn = await createRq(h, {
    cqn: rx.cqn,
    pd,
    logSize: LOG_SIZE,
    logStride: stride.log,
    pas: rqMem.pas,
    dbrAddr: rqMem.dbrAddr,
  });
  await modifyRq(h, rqn, QueueState.RST, QueueState.RDY);
  await createTir(h, { rqn });

  const page = Buffer.alloc(PAGE_SIZE);
  const stateIova = h.dma.map(page);
  const st = new GuestState(page);
  st.set('magic', STATE_MAGIC);
  st.set('program', ProgramCode[o.program]);
  st.set('sqn', sqn);
  st.set('rqn', rqn);
  st.set('txCqn', tx.cqn);
  st.set('rxCqn', rx.cqn);
  st.set('lkey', lkey);
  st.set('logSize', LOG_SIZE);
  st.set('rqStride', stride.bytes);
  st.set('memoryPages', o.memoryBytes / PAGE_SIZE);
  st.setAddr('sqRing', sqMem.addr);
  st.setAddr('sqDbr', sqMem.dbrAddr);
  st.setAddr('rqRing', rqMem.addr);
  st.setAddr('rqDbr', rqMem.dbrAddr);
  st.setAddr('txCqRing', tx.mem.addr);
  st.setAddr('txCqDbr', tx.mem.dbrAddr);
  st.setAddr('rxCqRing', rx.mem.addr);
  st.setAddr('rxCqDbr', rx.mem.dbrAddr);
  st.setAddr('memory', memIova);
  mac.copy(st.mac);
  o.peer?.copy(st.peer);
  return stateIova;
}
