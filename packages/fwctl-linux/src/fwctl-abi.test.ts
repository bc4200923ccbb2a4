import { createRequire } from 'node:module';
import { FwctlScope, fwctlScopeName, isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFwctlInfo,
  decodeFwctlInfoMlx5,
  decodeFwctlRpc,
  encodeFwctlInfo,
  encodeFwctlInfoMlx5,
  encodeFwctlRpc,
  FWCTL_INFO,
  FWCTL_INFO_LAYOUT,
  FWCTL_INFO_MLX5_LAYOUT,
  FWCTL_RPC,
  FWCTL_RPC_LAYOUT,
  FWCTL_TYPE,
  FwctlDeviceType,
  fwctlDeviceTypeName,
  ioctlName,
} from './fwctl-abi.js';
import type { HostStruct, StructField } from './host-struct.js';

const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');

/** The uAPI tables (refs §1.1, §1.2): field -> [offset, bytes]. */
const UAPI = {
  fwctl_info: {
    layout: FWCTL_INFO_LAYOUT,
    size: 24,
    fields: {
      size: [0, 4],
      flags: [4, 4],
      outDeviceType: [8, 4],
      deviceDataLen: [12, 4],
      outDeviceData: [16, 8],
    },
  },
  fwctl_rpc: {
    layout: FWCTL_RPC_LAYOUT,
    size: 32,
    fields: {
      size: [0, 4],
      scope: [4, 4],
      inLen: [8, 4],
      outLen: [12, 4],
      in: [16, 8],
      out: [24, 8],
    },
  },
  fwctl_info_mlx5: {
    layout: FWCTL_INFO_MLX5_LAYOUT,
    size: 8,
    fields: { uid: [0, 4], uctxCaps: [4, 4] },
  },
} as const;

/** The same structs declared through koffi, as C sees them on this machine. */
function koffiStruct(name: string, layout: HostStruct<Record<string, StructField>>) {
  const def: Record<string, string> = {};
  for (const [field, f] of Object.entries(layout.fields)) {
    def[field] = f.type === 'u32' ? 'uint32_t' : 'uint64_t';
  }
  return koffi.struct(`${name}_pin`, def);
}

const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('fwctl ABI', () => {
  it('ioctl numbers are _IO(0x9A, nr): no direction, no size', () => {
    const io = (type: number, nr: number) => (0 << 30) | (0 << 16) | (type << 8) | nr;
    expect(FWCTL_INFO).toBe(io(FWCTL_TYPE, 0));
    expect(FWCTL_RPC).toBe(io(FWCTL_TYPE, 1));
    expect([FWCTL_INFO, FWCTL_RPC]).toEqual([0x9a00, 0x9a01]);
    expect([ioctlName(FWCTL_INFO), ioctlName(FWCTL_RPC), ioctlName(0x8912)]).toEqual([
      'FWCTL_INFO',
      'FWCTL_RPC',
      'ioctl 0x8912',
    ]);
  });

  it('enums hold the mainline values', () => {
    expect(FwctlScope).toEqual({
      CONFIGURATION: 0,
      DEBUG_READ_ONLY: 1,
      DEBUG_WRITE: 2,
      DEBUG_WRITE_FULL: 3,
    });
    expect(FwctlDeviceType).toEqual({ ERROR: 0, MLX5: 1, CXL: 2, BNXT: 3, PDS: 4 });
    expect([fwctlScopeName(2), fwctlScopeName(7)]).toEqual(['DEBUG_WRITE', 'scope 7']);
    expect([fwctlDeviceTypeName(1), fwctlDeviceTypeName(5)]).toEqual(['MLX5', 'device type 5']);
  });

  for (const [name, pin] of Object.entries(UAPI)) {
    it(`struct ${name}: size and every field offset as the uAPI, and as koffi lays it out`, () => {
      const { layout } = pin;
      expect(layout.size).toBe(pin.size);
      const fields = Object.fromEntries(
        Object.entries(layout.fields).map(([f, d]) => [f, [d.offset, d.type === 'u32' ? 4 : 8]]),
      );
      expect(fields).toEqual(pin.fields);
      const k = koffiStruct(name, layout);
      expect(koffi.sizeof(k)).toBe(layout.size);
      for (const [field, f] of Object.entries(layout.fields)) {
        expect(koffi.offsetof(k, field)).toBe(f.offset);
      }
    });
  }

  it('encoders write the bytes koffi writes for the same C struct, and decode them back', () => {
    const info = koffiStruct('fwctl_info_enc', FWCTL_INFO_LAYOUT);
    const rpc = koffiStruct('fwctl_rpc_enc', FWCTL_RPC_LAYOUT);
    fc.assert(
      fc.property(
        fc.record({
          size: u32,
          flags: u32,
          outDeviceType: u32,
          deviceDataLen: u32,
          outDeviceData: u64,
        }),
        fc.record({ size: u32, scope: u32, inLen: u32, outLen: u32, in: u64, out: u64 }),
        (i, r) => {
          const ki = Buffer.alloc(24);
          koffi.encode(ki, info, i);
          expect(encodeFwctlInfo(i)).toEqual(ki);
          expect(decodeFwctlInfo(ki)).toEqual(i);
          const kr = Buffer.alloc(32);
          koffi.encode(kr, rpc, r);
          expect(encodeFwctlRpc(r)).toEqual(kr);
          expect(decodeFwctlRpc(kr)).toEqual(r);
          // One field read alone gives what the whole decode gives.
          for (const field of Object.keys(r) as (keyof typeof r)[]) {
            expect(FWCTL_RPC_LAYOUT.get(kr, field)).toBe(r[field]);
          }
        },
      ),
    );
  });

  it('fwctl_info_mlx5 round-trips uid and uctx_caps', () => {
    fc.assert(
      fc.property(u32, u32, (uid, uctxCaps) => {
        const b = encodeFwctlInfoMlx5({ uid, uctxCaps });
        expect(b.length).toBe(8);
        expect(decodeFwctlInfoMlx5(b)).toEqual({ uid, uctxCaps });
      }),
    );
  });

  it('a value that is not a u32 / u64 is EINVAL naming the field; short buffers are EINVAL', () => {
    const ok = { size: 32, scope: 0, inLen: 0, outLen: 0, in: 0n, out: 0n };
    const bad = fc.oneof(
      fc.record({ field: fc.constantFrom('scope', 'inLen', 'outLen'), v: badU32() }),
      fc.record({ field: fc.constantFrom('in', 'out'), v: badU64() }),
    );
    fc.assert(
      fc.property(bad, ({ field, v }) => {
        let err: unknown;
        try {
          encodeFwctlRpc({ ...ok, [field]: v } as typeof ok);
        } catch (e) {
          err = e;
        }
        expect(isAuxError(err, 'EINVAL')).toBe(true);
        expect((err as Error).message).toContain(`struct fwctl_rpc.${field}`);
      }),
    );
    expect(() => decodeFwctlRpc(Buffer.alloc(31))).toThrow(/31 bytes given, 32 needed/);
    expect(() => FWCTL_INFO_LAYOUT.encode(ok as never, Buffer.alloc(23))).toThrow(/23 bytes/);
  });
});

function badU32() {
  return fc.oneof(
    fc.integer({ min: -(2 ** 40), max: -1 }),
    fc.integer({ min: 2 ** 32, max: 2 ** 50 }),
    fc.double({ noInteger: true }),
    fc.constantFrom(Number.NaN, '1', null, undefined, 1n),
  );
}

function badU64() {
  return fc.oneof(
    fc.bigInt({ min: -(1n << 70n), max: -1n }),
    fc.bigInt({ min: 1n << 64n, max: 1n << 70n }),
    fc.constantFrom(1, '1', null, undefined),
  );
}
