import {
  AuxError,
  CMD_ENTRY_BYTES,
  CMD_QUEUE_BYTES,
  CmdLayout,
  CommandEntries,
  DeliveryStatus,
  decode,
  encode,
  HealthBuffer,
  HealthSyndrome,
  MAX_CMD_BYTES,
  MailboxPool,
  Op,
  prepare,
  signEntry,
} from '@auxctl/prm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_IDENTITY } from './firmware-options.js';
import { SimDevice, type SimDeviceOptions } from './sim-device.js';
import { flush, makeInbox } from './testing/inbox.js';
import { StubEngine } from './testing/stub-engine.js';

/** rig: a device with a hand-driven queue page (the driver's side done by hand). */
function rig(opts: SimDeviceOptions = {}) {
  const engine = new StubEngine();
  const device = new SimDevice(engine, opts);
  const page = Buffer.alloc(CMD_QUEUE_BYTES);
  const vectors: number[] = [];
  device.attachQueue(page, (v) => vectors.push(v));
  const e = new CommandEntries(page);
  const pool = new MailboxPool(device.dma);
  let token = 0;
  const write = (slot: number, inbox: Buffer, outLen: number, tok = (token % 255) + 1) => {
    token = tok;
    const inChain = encode(pool, inbox, tok);
    const outChain = prepare(pool, outLen, tok);
    e.writeRequest(slot, inbox, inChain?.addr ?? 0, outLen, outChain?.addr ?? 0, tok);
    return { inChain, outChain, tok };
  };
  /** edit: change entry fields by name and re-sign, as a (buggy) driver would. */
  const edit = (slot: number, fields: Parameters<typeof CmdLayout.write>[1]) => {
    CmdLayout.write(page, fields, slot * CMD_ENTRY_BYTES);
    signEntry(page, slot * CMD_ENTRY_BYTES);
  };
  return { engine, device, page, e, pool, vectors, write, edit };
}

describe('SimDevice identity and options', () => {
  it('defaults to a ConnectX-6 Dx at 0000:08:00.0 and accepts overrides', () => {
    const d = new SimDevice(new StubEngine());
    expect(d.identity).toEqual({
      bdf: '0000:08:00.0',
      vendorId: 0x15b3,
      deviceId: 0x101d,
      fwVersion: '22.39.1002',
      psid: DEFAULT_IDENTITY.psid,
      serial: DEFAULT_IDENTITY.serial,
    });
    const e = new SimDevice(new StubEngine(), { identity: { bdf: '0000:3b:00.1', serial: 'X1' } });
    expect(e.identity).toMatchObject({ bdf: '0000:3b:00.1', serial: 'X1', vendorId: 0x15b3 });
  });

  it('refuses a malformed identity or latency model', () => {
    const bad: SimDeviceOptions[] = [
      { identity: { bdf: '08:00.0' } },
      { identity: { fwVersion: 'latest' } },
      { latency: { perCommandUs: -1, processors: 1 } },
      { latency: { perCommandUs: 1, processors: 0 } },
      { latency: 'warp' as 'none' },
    ];
    for (const o of bad) expect(() => new SimDevice(new StubEngine(), o)).toThrow(AuxError);
  });
});

describe('SimDevice transport', () => {
  it('completes commands rung together in one vector, with outbox and ownership back', async () => {
    const { device, e, vectors, write, engine } = rig();
    for (const s of [0, 3, 7]) write(s, makeInbox(Op.NOP, { tag: s }), 16);
    for (const s of [0, 3, 7]) device.post(s);
    expect(vectors).toEqual([]); // never inside the doorbell
    await flush();
    expect(vectors).toEqual([(1 << 0) | (1 << 3) | (1 << 7)]);
    for (const s of [0, 3, 7]) {
      expect([e.ownedByHw(s), e.deliveryStatus(s), e.intact(s)]).toEqual([false, 0, true]);
    }
    expect(engine.calls.map((c) => c.tag)).toEqual([0, 3, 7]);
    expect(device.counters()).toMatchObject({ doorbells: 3, completed: 3 });
  });

  it('gathers the inbox chain and scatters the outbox chain', async () => {
    const { device, pool, vectors, write } = rig({ checksum: true });
    const inbox = makeInbox(Op.ACCESS_REG, { length: 3000 });
    const { outChain, tok } = write(5, inbox, 4000);
    device.post(5);
    await flush();
    expect(vectors).toEqual([1 << 5]);
    const out = decode(pool, outChain!.addr, 4000, tok, 'out') as Buffer;
    expect(out.subarray(16, 3000).equals(inbox.subarray(16))).toBe(true);
    expect(out.subarray(3000).every((b) => b === 0)).toBe(true);
  });

  it('reports each transport fault as its delivery status and never runs the command', async () => {
    const cases: Array<[string, (r: ReturnType<typeof rig>) => void, number]> = [
      ['wrong type', (r) => r.edit(0, { type: 1 }), DeliveryStatus.CMD_DESCR],
      [
        'bad entry signature',
        (r) => {
          const at = CmdLayout.byteOffset('outlen');
          r.page[at] = r.page[at]! ^ 0x40;
        },
        DeliveryStatus.SIGNAT_ERR,
      ],
      [
        'reserved bits set',
        (r) => {
          CmdLayout.set(r.page, 'reserved_at_1f0', 1);
          signEntry(r.page, 0);
        },
        DeliveryStatus.RES_FLD_NOT_CLR,
      ],
      ['token 0', (r) => r.edit(0, { token: 0 }), DeliveryStatus.TOK_ERR],
      ['short inbox', (r) => r.edit(0, { inlen: 8 }), DeliveryStatus.IN_LENGTH],
      ['huge outbox', (r) => r.edit(0, { outlen: MAX_CMD_BYTES + 1 }), DeliveryStatus.OUT_LENGTH],
      ['dangling in_ptr', (r) => r.edit(0, { in_ptr_l: 0x1234_0000 }), DeliveryStatus.IN_PTR_ALIGN],
      [
        'misaligned out_ptr',
        (r) => r.edit(0, { out_ptr_l: r.e.outPtr(0) + 8 }),
        DeliveryStatus.OUT_PTR_ALIGN,
      ],
      ['in chain of another command', (r) => r.edit(0, { token: 99 }), DeliveryStatus.TOK_ERR],
    ];
    for (const [name, mutate, status] of cases) {
      const r = rig();
      r.write(0, makeInbox(Op.ACCESS_REG, { length: 700 }), 700, 3);
      mutate(r);
      r.device.post(0);
      await flush();
      expect([name, r.vectors, r.e.deliveryStatus(0), r.e.ownedByHw(0)]).toEqual([
        name,
        [1],
        status,
        false,
      ]);
      expect(r.engine.calls).toEqual([]);
      expect(r.device.counters().transportErrors).toBe(1);
    }
  });

  it('ignores a doorbell for an entry software owns', async () => {
    const { device, vectors } = rig();
    device.post(2);
    await flush();
    expect(vectors).toEqual([]);
    expect(device.counters().spurious).toBe(1);
  });

  it('reports FW_ERR when the engine throws', async () => {
    const { device, e, engine, write } = rig();
    engine.throwOnExecute = true;
    write(0, makeInbox(Op.NOP), 16);
    device.post(0);
    await flush();
    expect(e.deliveryStatus(0)).toBe(DeliveryStatus.FW_ERR);
  });

  it('a halted engine completes nothing; health shows why', async () => {
    const { device, engine, vectors, write } = rig();
    device.faults.fatal(HealthSyndrome.HW_FATAL_ERR);
    write(0, makeInbox(Op.NOP), 16);
    device.post(0);
    await flush();
    expect(vectors).toEqual([]);
    expect(device.counters().halted).toBe(1);
    expect(HealthBuffer.get(device.readHealth(), 'synd')).toBe(HealthSyndrome.HW_FATAL_ERR);
    expect(device.readHealthCounter()).toBe(device.readHealthCounter());
    expect(engine.calls).toEqual([]);
  });

  it('survives a completion handler that throws', async () => {
    const engine = new StubEngine();
    const device = new SimDevice(engine);
    const page = Buffer.alloc(CMD_QUEUE_BYTES);
    let calls = 0;
    device.attachQueue(page, () => {
      calls++;
      throw new Error('driver bug');
    });
    new CommandEntries(page).writeRequest(0, makeInbox(Op.NOP), 0, 16, 0, 1);
    device.post(0);
    await flush();
    expect(calls).toBe(1);
  });
});

describe('SimDevice slot reuse', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('drops a result when the driver has rewritten the entry meanwhile (stale)', async () => {
    const { device, vectors, write, engine } = rig();
    device.faults.delay(Op.NOP, 10);
    write(0, makeInbox(Op.NOP), 16, 4);
    device.post(0);
    write(0, makeInbox(Op.NOP), 16, 5); // reclaimed and refilled, not yet rung
    await vi.advanceTimersByTimeAsync(10);
    expect(vectors).toEqual([]);
    expect(device.counters().stale).toBe(1);
    expect(engine.calls).toEqual([]);
  });

  it('a second doorbell on a slot replaces the work in progress', async () => {
    const { device, vectors, write, engine, e } = rig();
    device.faults.delay(Op.NOP, 10);
    write(0, makeInbox(Op.NOP, { tag: 1 }), 16, 4);
    device.post(0);
    write(0, makeInbox(Op.NOP, { tag: 2 }), 16, 5);
    device.post(0);
    await vi.advanceTimersByTimeAsync(10);
    expect(vectors).toEqual([1]);
    expect(engine.calls.map((c) => c.tag)).toEqual([2]);
    expect(e.token(0)).toBe(5);
  });

  it('reset forgets commands in progress and restarts the engine', async () => {
    const { device, vectors, write, engine } = rig();
    device.faults.delay(Op.NOP, 10);
    write(0, makeInbox(Op.NOP), 16);
    device.post(0);
    await device.reset();
    await vi.advanceTimersByTimeAsync(10);
    expect(vectors).toEqual([]);
    expect(engine.resets).toBe(1);
    device.faults.clear();
    write(1, makeInbox(Op.NOP), 16);
    device.post(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(vectors).toEqual([2]);
  });
});

describe('SimDevice latency model', () => {
  it("'hardware': 20 µs per command on 4 processors, completions coalesced per deadline", async () => {
    let t = 0;
    const { device, vectors, write } = rig({ latency: 'hardware', now: () => t });
    for (let s = 0; s < 8; s++) write(s, makeInbox(Op.NOP), 16);
    for (let s = 0; s < 8; s++) device.post(s);
    for (let i = 0; i < 3; i++) await flush();
    expect(vectors).toEqual([]);
    t = 0.019;
    for (let i = 0; i < 3; i++) await flush();
    expect(vectors).toEqual([]);
    t = 0.02;
    for (let i = 0; i < 3; i++) await flush();
    expect(vectors).toEqual([0x0f]);
    t = 0.04;
    for (let i = 0; i < 3; i++) await flush();
    expect(vectors).toEqual([0x0f, 0xf0]);
  });

  it('a custom model runs commands one after another on one processor', async () => {
    let t = 5;
    const { device, vectors, write } = rig({
      latency: { perCommandUs: 100, processors: 1 },
      now: () => t,
    });
    for (let s = 0; s < 3; s++) write(s, makeInbox(Op.NOP), 16);
    for (let s = 0; s < 3; s++) device.post(s);
    const seen: number[][] = [];
    for (const at of [5.1, 5.2, 5.3]) {
      t = at;
      for (let i = 0; i < 3; i++) await flush();
      seen.push([...vectors]);
    }
    expect(seen).toEqual([[1], [1, 2], [1, 2, 4]]);
  });
});

describe('SimDevice lifecycle', () => {
  it('refuses doorbells without a queue, for bad slots and after close', () => {
    const { device } = rig();
    expect(() => device.post(32)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    device.detachQueue();
    expect(() => device.post(0)).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    device.close();
    device.close();
    for (const call of [
      () => device.post(0),
      () => device.readHealth(),
      () => device.readHealthCounter(),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    }
    expect(() => device.attachQueue(Buffer.alloc(CMD_QUEUE_BYTES), () => {})).toThrow(AuxError);
  });

  it('delegates health to the engine', () => {
    const { device, engine } = rig();
    expect(device.readHealthCounter()).toBe(1);
    expect(device.readHealthCounter()).toBe(2);
    expect(HealthBuffer.get(device.readHealth(), 'synd')).toBe(0);
    engine.injectFatal(7);
    expect(HealthBuffer.get(device.readHealth(), 'synd')).toBe(7);
  });
});
