import {
  CmdHdrOut,
  CmdStatus,
  DmaSpace,
  HealthBuffer,
  HealthSyndrome,
  InitHcaIn,
  isAuxError,
  OPCODES,
  Op,
  Syndrome,
  UCTX_CAP_ALL,
  UctxCap,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandSpec } from './commands/command.js';
import { COMMAND_TABLE } from './commands/command-table.js';
import { Firmware } from './firmware.js';
import { DEFAULT_IDENTITY } from './firmware-options.js';
import { HEALTH_TICK_MS } from './fw-health.js';
import { FirmwareHarness } from './testing/firmware-harness.js';

const STATUSES = new Set<number>(Object.values(CmdStatus));

describe('Firmware.execute envelope', () => {
  it('answers exactly outLen bytes with the header errors of the dispatch order', () => {
    const h = new FirmwareHarness();
    const short = h.run(Buffer.alloc(8), 40);
    expect(short.out).toHaveLength(40);
    expect([short.status, short.syndrome]).toEqual([CmdStatus.BAD_INP_LEN, Syndrome.SHORT_INBOX]);
    expect(h.run(h.header(0x7ff, 16)).syndrome).toBe(Syndrome.UNKNOWN_OPCODE);
    expect(h.run(h.header(0x7ff, 16)).status).toBe(CmdStatus.BAD_OP);
    const initShort = h.run(h.header(Op.INIT_HCA, 16));
    expect([initShort.status, initShort.syndrome]).toEqual([
      CmdStatus.BAD_INP_LEN,
      Syndrome.SHORT_INBOX,
    ]);
    const issiShort = h.run(h.header(Op.QUERY_ISSI, 16), 16);
    expect([issiShort.status, issiShort.syndrome]).toEqual([
      CmdStatus.BAD_OUTP_LEN,
      Syndrome.SHORT_OUTBOX,
    ]);
    const badMod = h.run(h.header(Op.ENABLE_HCA, 16, 0, 3));
    expect([badMod.status, badMod.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_OP_MOD]);
    const early = h.run(h.header(Op.ALLOC_PD, 16));
    expect([early.status, early.syndrome]).toEqual([
      CmdStatus.BAD_SYS_STATE,
      Syndrome.BAD_HCA_STATE,
    ]);
  });

  it('writes what fits of the header into a tiny outbox and clamps absurd lengths', () => {
    const h = new FirmwareHarness();
    const out = h.fw.execute(h.header(0x7ff, 16), 3);
    expect(out).toEqual(Buffer.from([CmdStatus.BAD_OP, 0, 0]));
    expect(h.fw.execute(h.header(Op.NOP, 16), -5)).toHaveLength(0);
    expect(h.fw.execute(h.header(Op.NOP, 16), Number.NaN)).toHaveLength(0);
  });

  it('reports a handler that throws something other than FwError as INT_ERR / INTERNAL', () => {
    const table = COMMAND_TABLE as Map<number, CommandSpec>;
    const nop = table.get(Op.NOP)!;
    table.set(0x7fe, {
      ...nop,
      opcode: 0x7fe,
      run: () => {
        throw new TypeError('bug');
      },
    });
    try {
      const h = new FirmwareHarness();
      const r = h.run(h.header(0x7fe, 16), 64);
      expect([r.status, r.syndrome]).toEqual([CmdStatus.INT_ERR, Syndrome.INTERNAL]);
      expect(r.out.subarray(8).every((b) => b === 0)).toBe(true);
    } finally {
      table.delete(0x7fe);
    }
  });

  it('gives every random inbox a defined status and never throws (property)', () => {
    const known = OPCODES.map((o) => o.opcode);
    const specs = [...COMMAND_TABLE.values()];
    const withOpcode = (op: number, bytes: Uint8Array) => {
      const b = Buffer.from(bytes);
      b.writeUInt16BE(op, 0);
      return b;
    };
    const inboxArb = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 4096 }).map((b) => Buffer.from(b)),
      fc
        .tuple(fc.constantFrom(...known), fc.uint8Array({ minLength: 16, maxLength: 4096 }))
        .map(([op, bytes]) => withOpcode(op, bytes)),
      // Well-formed headers (uid 0, accepted op_mod) with random payloads reach the handlers.
      fc
        .tuple(
          fc.constantFrom(...specs),
          fc.nat(),
          fc.uint8Array({ minLength: 16, maxLength: 4096 }),
        )
        .map(([spec, pick, bytes]) => {
          const b = withOpcode(spec.opcode, bytes);
          b.writeUInt16BE(0, 2);
          b.writeUInt16BE(0, 4);
          b.writeUInt16BE(spec.opMods[pick % spec.opMods.length]!, 6);
          return b;
        }),
    );
    const fw = new FirmwareHarness().boot().fw;
    const seen = new Set<number>();
    fc.assert(
      fc.property(inboxArb, fc.integer({ min: 16, max: 4096 }), (inbox, outLen) => {
        const out = fw.execute(inbox, outLen);
        expect(out).toHaveLength(outLen);
        const status = CmdHdrOut.get(out, 'status');
        seen.add(status);
        expect(STATUSES.has(status)).toBe(true);
        expect(status).not.toBe(CmdStatus.INT_ERR);
        if (status !== CmdStatus.OK) expect(CmdHdrOut.get(out, 'syndrome')).not.toBe(0);
      }),
      { numRuns: 1500 },
    );
    // The run reached handlers, not only the envelope checks.
    expect(seen.has(CmdStatus.OK)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(6);
  });
});

describe('Firmware health', () => {
  it('advances the health counter with firmware time and freezes it on a fatal error', () => {
    const h = new FirmwareHarness();
    const c0 = h.fw.healthCounter();
    h.advance(HEALTH_TICK_MS * 5);
    expect(h.fw.healthCounter()).toBe(c0 + 5);
    h.fw.injectFatal(HealthSyndrome.HW_FATAL_ERR, 0x1234);
    expect(h.fw.halted).toBe(true);
    expect(h.fw.crashCount()).toBe(1);
    const frozen = h.fw.healthCounter();
    h.advance(HEALTH_TICK_MS * 50);
    expect(h.fw.healthCounter()).toBe(frozen);
    const hb = HealthBuffer.decode(h.fw.readHealth());
    expect(hb.synd).toBe(HealthSyndrome.HW_FATAL_ERR);
    expect(hb.ext_synd).toBe(0x1234);
    expect(hb.fw_ver).toBe((22 << 24) | (39 << 16) | 1002);
    expect(hb.hw_id).toBe(DEFAULT_IDENTITY.deviceId);
    expect(hb.assert_var.some((v) => v !== 0)).toBe(true);
    const r = h.run(h.header(Op.NOP, 16));
    expect([r.status, r.syndrome]).toEqual([CmdStatus.INT_ERR, Syndrome.FW_HALTED]);
  });

  it('gives the same crash the same assert values on an identical device', () => {
    const a = new FirmwareHarness();
    const b = new FirmwareHarness();
    a.fw.injectFatal();
    b.fw.injectFatal();
    expect(a.fw.readHealth()).toEqual(b.fw.readHealth());
    expect(HealthBuffer.decode(a.fw.readHealth()).synd).toBe(HealthSyndrome.FW_INTERNAL_ERR);
  });

  it('reset clears the halt, objects and state but keeps the crash count and counter monotonic', () => {
    const h = new FirmwareHarness().boot();
    h.pd();
    h.advance(1000);
    h.fw.injectFatal();
    const frozen = h.fw.healthCounter();
    h.fw.injectFatal(HealthSyndrome.DEAD_IRISC); // ignored while halted
    expect(h.fw.crashCount()).toBe(1);
    h.fw.reset();
    expect(h.fw.halted).toBe(false);
    expect(h.fw.state).toBe('disabled');
    expect(h.fw.objectCounts()).toEqual({});
    expect(h.fw.crashCount()).toBe(1);
    expect(HealthBuffer.decode(h.fw.readHealth()).synd).toBe(0);
    expect(h.fw.healthCounter()).toBe(frozen);
    h.advance(HEALTH_TICK_MS);
    expect(h.fw.healthCounter()).toBe(frozen + 1);
    expect(h.run(h.header(Op.ALLOC_PD, 16)).status).toBe(CmdStatus.BAD_SYS_STATE);
    h.boot();
    expect(h.fw.state).toBe('initialized');
  });

  it('refuses impossible fatal syndromes', () => {
    const h = new FirmwareHarness();
    expect(() => h.fw.injectFatal(0)).toThrow(/1..255/);
    expect(() => h.fw.injectFatal(1, 0x10000)).toThrow(/0xffff/);
    expect(h.fw.halted).toBe(false);
  });
});

describe('Firmware fault hooks', () => {
  it('forces a status for the next n commands of an opcode, then runs them again', () => {
    const h = new FirmwareHarness();
    h.fw.forceStatus(Op.NOP, CmdStatus.NOT_READY, Syndrome.FORCED, 2);
    for (let i = 0; i < 2; i++) {
      const r = h.run(h.header(Op.NOP, 16));
      expect([r.status, r.syndrome]).toEqual([CmdStatus.NOT_READY, Syndrome.FORCED]);
    }
    expect(h.run(h.header(Op.NOP, 16)).status).toBe(CmdStatus.OK);
    h.fw.forceStatus(Op.NOP, CmdStatus.BAD_RES, 0xabc, Number.POSITIVE_INFINITY);
    expect(h.run(h.header(Op.NOP, 16)).syndrome).toBe(0xabc);
    h.fw.clearFaults();
    expect(h.run(h.header(Op.NOP, 16)).status).toBe(CmdStatus.OK);
  });

  it('validates fault arguments with EINVAL', () => {
    const h = new FirmwareHarness();
    for (const bad of [
      () => h.fw.forceStatus(Op.NOP, 0, 1, 1),
      () => h.fw.forceStatus(Op.NOP, 3, -1, 1),
      () => h.fw.forceStatus(Op.NOP, 3, 1, 0),
      () => h.fw.forceStatus(0x10000, 3, 1, 1),
    ]) {
      expect(bad).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
  });
});

describe('Firmware options and RegisterHost', () => {
  it('rejects impossible options with EINVAL', () => {
    const dma = new DmaSpace();
    const bad = [
      { dma, ports: 0 },
      { dma, crdumpSize: 64 * 1024 * 1024 + 1 },
      { dma, crdumpSize: 511 },
      { dma, uctxCap: -1 },
      { dma, caps: { log_max_pd: 99 } },
      { dma, caps: { nonsense: 1 } as never },
      { dma, identity: { ...DEFAULT_IDENTITY, fwVersion: '22.39' } },
    ];
    for (const o of bad) {
      let err: unknown;
      try {
        new Firmware(o);
      } catch (e) {
        err = e;
      }
      expect(isAuxError(err, 'EINVAL')).toBe(true);
    }
  });

  it('lends identity, crdump size, uid caps, port counters and the clock to registers', () => {
    const h = new FirmwareHarness({ ports: 2, crdumpSize: 4096 }).boot();
    expect(h.fw.identity).toEqual(DEFAULT_IDENTITY);
    expect(h.fw.crdumpSize()).toBe(4096);
    expect(new FirmwareHarness().fw.crdumpSize()).toBe(831_304);
    expect(h.fw.uidCaps(0)).toBe(UCTX_CAP_ALL);
    const uid = h.uctx(UctxCap.TOOLS_RESOURCES);
    expect(h.fw.uidCaps(uid)).toBe(UctxCap.TOOLS_RESOURCES);
    expect(h.fw.uidCaps(uid + 1)).toBeUndefined();
    const p1 = h.fw.portCounters(1)!;
    p1.set('a_frames_transmitted_ok', 5n);
    expect(h.fw.portCounters(1)?.get('a_frames_transmitted_ok')).toBe(5n);
    expect(h.fw.portCounters(2)).toBeInstanceOf(Map);
    expect(h.fw.portCounters(3)).toBeUndefined();
    expect(h.fw.portCounters(0)).toBeUndefined();
    h.fw.reset();
    expect(h.fw.portCounters(1)).toBe(p1);
    expect(h.fw.now()).toBe(h.time);
    expect([...h.fw.objects()]).toEqual([]);
  });

  it('accepts INIT_HCA with the 32-byte mlx5 layout only', () => {
    expect(InitHcaIn.bytes).toBe(32);
  });
});
