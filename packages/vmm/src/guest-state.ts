/**
 * The guest's state page and its vCPU registers.
 *
 * STATE PAGE: one page of guest memory holding everything the guest's
 * program needs once its driver set it up — queue numbers, the addresses
 * of its rings and doorbell records, ring counters, the flow's sequence
 * numbers and counters, its MAC and its peer's — so that a copy of guest
 * memory is a copy of the guest. Fields are big-endian; `u32` and `u64`
 * name them by offset (GuestField / GuestAddr below).
 *
 * VCPU: the registers a migration carries besides memory (16 bytes): magic
 * "AVCP", version 1, the state page's bus address. `decodeVcpu` refuses
 * (EINVAL) anything else.
 *
 * Owns: the layouts. Never: the program's logic (guest-program.ts).
 */
import { AuxError, PAGE_SIZE } from '@auxctl/prm';

export const STATE_MAGIC = 0x41475354; // "AGST"
export const VCPU_MAGIC = 0x41564350; // "AVCP"
export const VCPU_VERSION = 1;
export const VCPU_BYTES = 16;

/** GuestProgramCode: the program a state page runs. */
export const ProgramCode = { flow: 1, echo: 2 } as const;

/** GuestField: the state page's 32-bit fields, by byte offset. */
export const GuestField = {
  magic: 0,
  program: 4,
  sqn: 8,
  rqn: 12,
  txCqn: 16,
  rxCqn: 20,
  lkey: 24,
  logSize: 28,
  rqStride: 32,
  sqPc: 36,
  sqCc: 40,
  rqPc: 44,
  rqCc: 48,
  txCi: 52,
  rxCi: 56,
  nextSeq: 60,
  expectSeq: 64,
  sent: 68,
  echoed: 72,
  retransmits: 76,
  duplicates: 80,
  sendCompletions: 84,
  recvCompletions: 88,
  completionErrors: 92,
  idleTicks: 96,
  memoryPages: 100,
} as const;
export type GuestFieldName = keyof typeof GuestField;

/** GuestAddr: the state page's 64-bit bus addresses, by byte offset. */
export const GuestAddr = {
  sqRing: 128,
  sqDbr: 136,
  rqRing: 144,
  rqDbr: 152,
  txCqRing: 160,
  txCqDbr: 168,
  rxCqRing: 176,
  rxCqDbr: 184,
  memory: 192,
} as const;
export type GuestAddrName = keyof typeof GuestAddr;

/** MAC_AT / PEER_AT: the guest's MAC and its peer's (6 bytes each). */
export const MAC_AT = 256;
export const PEER_AT = 264;

/** GuestState: typed access to a state page (a view of guest memory). */
export class GuestState {
  constructor(readonly page: Buffer) {
    if (page.length < PAGE_SIZE) throw new AuxError('EINVAL', 'a state page is one page');
  }

  get(f: GuestFieldName): number {
    return this.page.readUInt32BE(GuestField[f]);
  }

  set(f: GuestFieldName, v: number): void {
    this.page.writeUInt32BE(v >>> 0, GuestField[f]);
  }

  bump(f: GuestFieldName, by = 1): void {
    this.set(f, this.get(f) + by);
  }

  addr(a: GuestAddrName): bigint {
    return this.page.readBigUInt64BE(GuestAddr[a]);
  }

  setAddr(a: GuestAddrName, v: bigint): void {
    this.page.writeBigUInt64BE(v, GuestAddr[a]);
  }

  get mac(): Buffer {
    return this.page.subarray(MAC_AT, MAC_AT + 6);
  }

  get peer(): Buffer {
    return this.page.subarray(PEER_AT, PEER_AT + 6);
  }
}

/** encodeVcpu: the registers of a guest whose state page is at `stateIova`. */
export function encodeVcpu(stateIova: bigint): Buffer {
  const b = Buffer.alloc(VCPU_BYTES);
  b.writeUInt32BE(VCPU_MAGIC, 0);
  b.writeUInt32BE(VCPU_VERSION, 4);
  b.writeBigUInt64BE(stateIova, 8);
  return b;
}

/** decodeVcpu: the state page's address; EINVAL unless `b` is VCPU registers this version wrote. */
export function decodeVcpu(b: Buffer): bigint {
  if (b.length !== VCPU_BYTES || b.readUInt32BE(0) !== VCPU_MAGIC) {
    throw new AuxError('EINVAL', `vCPU registers are ${VCPU_BYTES} bytes starting "AVCP"`);
  }
  if (b.readUInt32BE(4) !== VCPU_VERSION) {
    throw new AuxError(
      'EINVAL',
      `vCPU registers version ${b.readUInt32BE(4)} is not ${VCPU_VERSION}`,
    );
  }
  const at = b.readBigUInt64BE(8);
  if (at === 0n || at % BigInt(PAGE_SIZE) !== 0n) {
    throw new AuxError('EINVAL', `the state page address 0x${at.toString(16)} is not page-aligned`);
  }
  return at;
}
