import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cqc, CreateCqIn, PAS_OFFSET, QueryCqOut } from './cq.js';
import { CreateEqIn, Eqc, Eqe } from './eq.js';
import {
  Ads,
  CreateQpIn,
  ModifyQpIn,
  QP_TRANSITIONS,
  Qpc,
  QpState,
  type QpTransition,
  QueryQpOut,
  qpTransitionAllowed,
  qpTransitionByOpcode,
} from './qp.js';
import { PaosReg, PmtuReg } from './registers/port-regs.js';
import { CreateTirIn, CreateTisIn, Tirc, Tisc } from './tir-tis.js';
import {
  ModifyNicVportContextIn,
  macFromFields,
  macToFields,
  NicVportContext,
  QueryNicVportContextOut,
  QueryVportCounterOut,
} from './vport.js';
import { CreateRqIn, CreateSqIn, Rqc, Sqc, Wq } from './wq.js';
import { Cqe64, ErrCqe, WqeCtrlSeg, WqeDataSeg, WqeEthSeg, WqeRaddrSeg } from './wqe.js';

describe('data-path layouts (mlx5_ifc.h sizes)', () => {
  it('have the kernel structure sizes', () => {
    const sizes: Array<[{ bytes: number; name: string }, number]> = [
      [Eqc, 64],
      [Cqc, 64],
      [Wq, 192],
      [Sqc, 240],
      [Rqc, 240],
      [Tisc, 160],
      [Tirc, 240],
      [Ads, 44],
      [Qpc, 232],
      [NicVportContext, 256],
      [QueryVportCounterOut, 528],
      [QueryNicVportContextOut, 272],
      [ModifyNicVportContextIn, 512],
      [PaosReg, 16],
      [PmtuReg, 16],
      [Eqe, 64],
      [Cqe64, 64],
      [ErrCqe, 64],
      [WqeCtrlSeg, 16],
      [WqeEthSeg, 16],
      [WqeDataSeg, 16],
      [WqeRaddrSeg, 16],
      [QueryCqOut, 272],
      [QueryQpOut, 272],
      [ModifyQpIn, 272],
    ];
    for (const [l, n] of sizes) expect(l.bytes, l.name).toBe(n);
    for (const l of [CreateEqIn, CreateCqIn, CreateQpIn, CreateSqIn, CreateRqIn])
      expect(l.bytes, l.name).toBe(PAS_OFFSET);
    expect(CreateTisIn.bytes).toBe(32 + 160);
    expect(CreateTirIn.bytes).toBe(32 + 240);
  });

  it('put the fields drivers and the dump rely on at the PRM offsets', () => {
    expect(Qpc.info('remote_qpn').bitOffset).toBe(0xa8);
    expect(Qpc.info('cqn_snd').bitOffset).toBe(0x3e8);
    expect(Qpc.info('cqn_rcv').bitOffset).toBe(0x4e8);
    expect(Qpc.info('retry_count').bitOffset).toBe(0x38d);
    expect(Qpc.info('dbr_addr').bitOffset).toBe(0x500);
    expect(Cqc.info('c_eqn').bitOffset).toBe(0xa0);
    expect(Cqc.info('dbr_addr').bitOffset).toBe(0x1c0);
    expect(Sqc.info('wq').bitOffset).toBe(0x180);
    expect(NicVportContext.info('mtu').bitOffset).toBe(0x130);
    expect(NicVportContext.info('permanent_address').bitOffset).toBe(0x7a0);
    expect(Cqe64.byteOffset('byte_cnt')).toBe(44);
    expect(ErrCqe.byteOffset('syndrome')).toBe(55);
    expect(Eqe.byteOffset('cqn')).toBe(56);
  });

  it('round-trip QP contexts, CQEs, EQEs and MACs (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          state: fc.integer({ min: 0, max: 15 }),
          pd: fc.integer({ min: 0, max: 0xff_ffff }),
          remote_qpn: fc.integer({ min: 0, max: 0xff_ffff }),
          cqn_snd: fc.integer({ min: 0, max: 0xff_ffff }),
          cqn_rcv: fc.integer({ min: 0, max: 0xff_ffff }),
          retry_count: fc.integer({ min: 0, max: 7 }),
          log_sq_size: fc.integer({ min: 0, max: 15 }),
          dbr_addr: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        }),
        fc.integer({ min: 0, max: 255 }),
        fc.uint8Array({ minLength: 6, maxLength: 6 }),
        (q, port, mac) => {
          const b = Qpc.alloc();
          Qpc.write(b, q);
          Ads.set(b, 'vhca_port_num', port, Qpc.byteOffset('primary_address_path'));
          expect(Qpc.decode(b)).toMatchObject(q);
          expect(Qpc.decode(b).primary_address_path.vhca_port_num).toBe(port);
          expect(Qpc.reservedNonZero(b)).toBeUndefined();
          const m = Buffer.from(mac);
          const f = macToFields(m);
          expect(macFromFields(f.mac_addr_47_32, f.mac_addr_31_0).equals(m)).toBe(true);
        },
      ),
    );
  });
});

describe('QP transition validation', () => {
  const all = Object.keys(QP_TRANSITIONS) as QpTransition[];

  it('allows exactly the PRM state machine (property over transitions x states)', () => {
    const legal: Record<QpTransition, number[]> = {
      RST2INIT: [QpState.RST],
      INIT2INIT: [QpState.INIT],
      INIT2RTR: [QpState.INIT],
      RTR2RTS: [QpState.RTR],
      RTS2RTS: [QpState.RTS],
      '2ERR': [0, 1, 2, 3, 4, 5, 6],
      '2RST': [0, 1, 2, 3, 4, 5, 6],
    };
    fc.assert(
      fc.property(fc.constantFrom(...all), fc.integer({ min: 0, max: 6 }), (t, from) => {
        expect(qpTransitionAllowed(t, from)).toBe(legal[t].includes(from));
        expect(qpTransitionByOpcode(QP_TRANSITIONS[t].opcode)).toBe(t);
      }),
    );
    expect(qpTransitionByOpcode(0x500)).toBeUndefined();
  });
});
