import {
  AuxError,
  CmdHdrIn,
  CreateUctxIn,
  CreateUctxOut,
  DestroyUctxIn,
  Op,
  Uctx,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { UserContexts } from './user-contexts.js';

/** A firmware stand-in: CREATE_UCTX answers when released, DESTROY_UCTX is recorded. */
function fakeFirmware() {
  let next = 1;
  const destroyed: number[] = [];
  const caps: number[] = [];
  const waiting: (() => void)[] = [];
  let hold = false;
  return {
    destroyed,
    caps,
    hold(on: boolean) {
      hold = on;
      if (!on) for (const go of waiting.splice(0)) go();
    },
    async cmdExec(inbox: Buffer, outLen: number): Promise<Buffer> {
      const out = Buffer.alloc(outLen);
      const op = CmdHdrIn.get(inbox, 'opcode');
      if (op === Op.CREATE_UCTX) {
        caps.push(Uctx.get(inbox, 'cap', CreateUctxIn.byteOffset('uctx')));
        if (hold) await new Promise<void>((r) => waiting.push(r));
        CreateUctxOut.set(out, 'uid', next++);
      } else if (op === Op.DESTROY_UCTX) {
        destroyed.push(DestroyUctxIn.get(inbox, 'uid'));
      }
      return out;
    },
  };
}

const gone = () => new AuxError('ENODEV', 'device removed');

class Ctx {
  detached = 0;
  constructor(readonly uid: number) {}
  async detach(): Promise<void> {
    this.detached++;
  }
}

describe('UserContexts', () => {
  it('opens a context per uid with the capability bits asked for, and forgets closed ones', async () => {
    const fw = fakeFirmware();
    const set = new UserContexts<Ctx>(fw, gone);
    const a = await set.open(0x4, (uid) => new Ctx(uid));
    const b = await set.open(0, (uid) => new Ctx(uid));
    expect([a.uid, b.uid]).toEqual([1, 2]);
    expect(fw.caps).toEqual([0x4, 0]);
    expect(set.size).toBe(2);
    set.closed(a);
    expect(set.size).toBe(1);
    await set.detach();
    expect([a.detached, b.detached]).toEqual([0, 1]);
  });

  it('detach waits for an open in progress; that open gives its uid back and fails gone', async () => {
    const fw = fakeFirmware();
    const set = new UserContexts<Ctx>(fw, gone);
    fw.hold(true);
    const late = set.open(0, (uid) => new Ctx(uid));
    const detached = set.detach();
    expect(set.live).toBe(false);
    await expect(set.open(0, (uid) => new Ctx(uid))).rejects.toMatchObject({ code: 'ENODEV' });
    fw.hold(false);
    await expect(late).rejects.toMatchObject({ code: 'ENODEV' });
    await detached;
    expect(fw.destroyed).toEqual([1]);
    expect(set.size).toBe(0);
    expect(set.detach()).toBe(detached);
  });
});
