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
  CompletionQueue,
  CoreDevice,
  CoreHandle,
  createTir,
  createTis,
  createUmem,
  createUmemMkey,
  IdAllocator,
  modifyVportState,
  queryNicVportContext,
  ReceiveQueue,
  SendQueue,
} from '@auxctl/core';
import { AuxError, type DeviceBackend, PAGE_SIZE, VportState } from '@auxctl/prm';
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

/** checkGuestOptions: EINVAL unless `o` describes a guest boot can set up. */
export function checkGuestOptions(o: GuestOptions): void {
  const L = GUEST_MEMORY_LIMITS;
  if (o.memoryBytes % PAGE_SIZE !== 0 || o.memoryBytes < L.minBytes || o.memoryBytes > L.maxBytes) {
    throw new AuxError(
      'EINVAL',
      `guest memory is whole pages, ${L.minBytes}..${L.maxBytes} bytes; got ${o.memoryBytes}`,
    );
  }
  if ((o.program === 'flow') !== (o.peer !== undefined) || (o.peer && o.peer.length !== 6)) {
    throw new AuxError('EINVAL', 'a flow guest needs its peer MAC (6 bytes); an echo guest none');
  }
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
    checkGuestOptions(o);
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
  // No completion handlers: the program polls the CQs in guest memory.
  const txCq = await CompletionQueue.create(h, { logSize: LOG_SIZE });
  const rxCq = await CompletionQueue.create(h, { logSize: LOG_SIZE });
  const tisn = await createTis(h);
  const sq = await SendQueue.create(h, { cq: txCq, tisn, pd, logSize: LOG_SIZE });
  const rq = await ReceiveQueue.create(h, { cq: rxCq, pd, logSize: LOG_SIZE });
  await createTir(h, { rqn: rq.rqn });

  const page = Buffer.alloc(PAGE_SIZE);
  const stateIova = h.dma.map(page);
  const st = new GuestState(page);
  st.set('magic', STATE_MAGIC);
  st.set('program', ProgramCode[o.program]);
  st.set('sqn', sq.sqn);
  st.set('rqn', rq.rqn);
  st.set('txCqn', txCq.cqn);
  st.set('rxCqn', rxCq.cqn);
  st.set('lkey', lkey);
  st.set('logSize', LOG_SIZE);
  st.set('rqStride', rq.wq.stride);
  st.set('memoryPages', o.memoryBytes / PAGE_SIZE);
  st.setAddr('sqRing', sq.ringAddr);
  st.setAddr('sqDbr', sq.dbrAddr);
  st.setAddr('rqRing', rq.ringAddr);
  st.setAddr('rqDbr', rq.dbrAddr);
  st.setAddr('txCqRing', txCq.ringAddr);
  st.setAddr('txCqDbr', txCq.dbrAddr);
  st.setAddr('rxCqRing', rxCq.ringAddr);
  st.setAddr('rxCqDbr', rxCq.dbrAddr);
  st.setAddr('memory', memIova);
  mac.copy(st.mac);
  o.peer?.copy(st.peer);
  return stateIova;
}
