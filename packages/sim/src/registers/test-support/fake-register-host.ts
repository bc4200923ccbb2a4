/**
 * FakeRegisterHost: a RegisterHost for register tests, with every input a
 * test needs to steer in plain fields: uids and their capabilities, the
 * crdump size and crash count, memory keys backed by Buffers, objects,
 * port counter stores and a clock.
 */
import { CmdStatus, type DeviceIdentity, Syndrome, UCTX_CAP_ALL } from '@auxctl/prm';
import { FwError } from '../../fw-error.js';
import type { FwObjectView, RegisterHost } from '../../register-host.js';

/** TEST_IDENTITY: the identity FakeRegisterHost uses unless told otherwise. */
export const TEST_IDENTITY: DeviceIdentity = {
  bdf: '0000:08:00.0',
  vendorId: 0x15b3,
  deviceId: 0x101d,
  fwVersion: '22.39.1002',
  psid: 'MT_0000000359',
  serial: 'MT2211X12345',
};

interface FakeMkey {
  readonly uid: number;
  readonly mem: Buffer;
}

/** FakeRegisterHost: see the module header. */
export class FakeRegisterHost implements RegisterHost {
  readonly caps = new Map<number, number>();
  readonly mkeys = new Map<number, FakeMkey>();
  readonly objectList: FwObjectView[] = [];
  readonly ports = new Map<number, Map<string, bigint>>();
  crdumpBytes = 64 * 1024;
  /** What virtioQueues() answers (a PF's false unless a test says otherwise). */
  virtio = false;
  crashes = 0;
  clock = 1_700_000_000_000;
  /** Bytes written through mkeys, for assertions about chunking. */
  mkeyWrites = 0;
  private nextMkey = 0x100;

  constructor(readonly identity: DeviceIdentity = TEST_IDENTITY) {
    this.ports.set(1, new Map());
  }

  uidCaps(uid: number): number | undefined {
    return uid === 0 ? UCTX_CAP_ALL : this.caps.get(uid);
  }

  crdumpSize(): number {
    return this.crdumpBytes;
  }

  virtioQueues(): boolean {
    return this.virtio;
  }

  crashCount(): number {
    return this.crashes;
  }

  /** crashTime: the clock when a crash count was first seen (as if firmware stamped the crash). */
  crashTime(): number {
    const t = this.crashTimes.get(this.crashes) ?? this.clock;
    this.crashTimes.set(this.crashes, t);
    return t;
  }

  private readonly crashTimes = new Map<number, number>();

  now(): number {
    return this.clock;
  }

  /** addMkey: a key of `uid` over `bytes` bytes of fresh memory; returns its number. */
  addMkey(uid: number, bytes: number): number {
    const key = this.nextMkey++;
    this.mkeys.set(key, { uid, mem: Buffer.alloc(bytes) });
    return key;
  }

  /** memory: the Buffer behind a key. */
  memory(mkey: number): Buffer {
    const k = this.mkeys.get(mkey);
    if (!k) throw new Error(`no mkey 0x${mkey.toString(16)}`);
    return k.mem;
  }

  writeMkey(uid: number, mkey: number, offset: number, data: Buffer): void {
    const k = this.mkeys.get(mkey);
    if (!k) throw new FwError(CmdStatus.BAD_RES, Syndrome.OBJ_NOT_FOUND, 'no such mkey');
    if (uid !== 0 && k.uid !== uid) {
      throw new FwError(CmdStatus.BAD_RES, Syndrome.OBJ_OTHER_UID, 'mkey of another uid');
    }
    if (!Number.isInteger(offset) || offset < 0 || offset + data.length > k.mem.length) {
      throw new FwError(CmdStatus.BAD_PARAM, Syndrome.MEM_OUT_OF_RANGE, 'outside the mkey');
    }
    data.copy(k.mem, offset);
    this.mkeyWrites += data.length;
  }

  objects(): Iterable<FwObjectView> {
    return this.objectList;
  }

  portCounters(port: number): Map<string, bigint> | undefined {
    return this.ports.get(port);
  }
}
