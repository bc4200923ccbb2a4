import { CmdHcaCap, GeneralObjTypesCap, VirtioEmulationCap, VirtqEventMode } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AuxFunctionInfo,
  type FunctionKind,
  MLX5_AUX_DEVICES,
  vnetSupported,
} from './aux-table.js';

const caps = (objTypes: bigint) => ({
  ...CmdHcaCap.decode(CmdHcaCap.alloc()),
  port_type: 1,
  general_obj_types: objTypes,
});
const virtio = (eventMode: number, ethFrame: number) => ({
  ...VirtioEmulationCap.decode(VirtioEmulationCap.alloc()),
  event_mode: eventMode,
  eth_frame_offload_type: ethFrame,
});

describe('the vnet row of the aux table (mlx5_vnet_supported + enable_vnet)', () => {
  it('is published exactly for a non-PF with VIRTIO_NET_Q, QP event mode, frame offload and enable_vnet (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FunctionKind>('pf', 'vf', 'sf'),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        (kind, objBit, hasVirtio, qpMode, ethFrame, enable) => {
          const fn: AuxFunctionInfo = {
            kind,
            virtio: hasVirtio
              ? virtio(qpMode ? 1 << VirtqEventMode.QP : 1, ethFrame ? 1 : 0)
              : undefined,
            params: { enable_vnet: enable },
          };
          const c = caps(objBit ? GeneralObjTypesCap.VIRTIO_NET_Q : 0n);
          const want = kind !== 'pf' && objBit && hasVirtio && qpMode && ethFrame && enable;
          expect(vnetSupported(c, fn)).toBe(want);
          expect(MLX5_AUX_DEVICES.find((r) => r.name === 'vnet')!.supported(c, fn)).toBe(want);
        },
      ),
    );
  });

  it('comes last, after eth, rdma and ctl', () => {
    expect(MLX5_AUX_DEVICES.map((r) => r.name)).toEqual(['eth', 'rdma', 'ctl', 'vnet']);
  });
});
