/**
 * The virtio emulation capability (cap_type 0x13) of the simulated device:
 * what its VIRTIO_NET_Q objects can do, as the driver reads it.
 *
 * The device offers split queues only, Ethernet-frame offload, virtio 1.0,
 * and two event modes: NO_MSIX (the driver polls the used ring) and QP
 * (a notification is a receive completion on a queue pair of the function,
 * see datapath/virtq-events.ts). MSIX is not offered: the simulator's
 * interrupts are EQ vectors, and QP mode is what mlx5_vdpa uses. Each queue
 * needs three umems of `param_a * queue_size + param_b` bytes, as the PRM
 * asks; the simulator keeps its queue state elsewhere and only checks the
 * sizes. PFs report the capability too (as ConnectX PFs do); the core
 * driver still publishes vdpa only on SFs and VFs.
 *
 * Owns: the capability values. Never: queue behaviour.
 */
import { AuxError, VirtioEmulationCap, VirtqEventMode, VirtqType } from '@auxctl/prm';

/** VirtioEmulationOptions: what a device's options decide about virtio emulation. */
export interface VirtioEmulationOptions {
  /** Most VIRTIO_NET_Q objects of one function (`max_num_virtio_queues`); default 256. */
  readonly maxQueues?: number;
  /** Whether SUSPEND -> RDY is allowed (`freeze_to_rdy_supported`); default true. */
  readonly freezeToRdy?: boolean;
}

/** VirtioEmulationValues: the capability values the firmware enforces. */
export interface VirtioEmulationValues {
  readonly maxQueues: number;
  readonly freezeToRdy: boolean;
  /** Per-umem sizing parameters (index 0..2 = umem_1..umem_3). */
  readonly umemParams: readonly { readonly a: number; readonly b: number }[];
}

/** UMEM_PARAMS: the three umems' `param_a` / `param_b`. */
const UMEM_PARAMS = [
  { a: 32, b: 4096 },
  { a: 16, b: 4096 },
  { a: 0, b: 4096 },
] as const;

/** resolveVirtioEmulation: the values for these options; EINVAL for impossible ones. */
export function resolveVirtioEmulation(o: VirtioEmulationOptions = {}): VirtioEmulationValues {
  const maxQueues = o.maxQueues ?? 256;
  if (!Number.isInteger(maxQueues) || maxQueues < 1 || maxQueues > 0xff_ffff) {
    throw new AuxError('EINVAL', `virtio.maxQueues must be 1..16777215, got ${maxQueues}`);
  }
  return { maxQueues, freezeToRdy: o.freezeToRdy ?? true, umemParams: UMEM_PARAMS };
}

/** virtqUmemBytes: the least size of umem `i` (0..2) for a queue of `queueSize` entries. */
export function virtqUmemBytes(v: VirtioEmulationValues, i: number, queueSize: number): number {
  const p = v.umemParams[i]!;
  return p.a * queueSize + p.b;
}

/** encodeVirtioEmulationCap: the capability structure. */
export function encodeVirtioEmulationCap(v: VirtioEmulationValues): Buffer {
  const [u1, u2, u3] = v.umemParams;
  return VirtioEmulationCap.encode({
    eth_frame_offload_type: 1,
    virtio_version_1_0: 1,
    // No checksum / TSO offloads: the device moves frames as they are.
    device_features_bits_mask: 0,
    event_mode: (1 << VirtqEventMode.NO_MSIX) | (1 << VirtqEventMode.QP),
    virtio_queue_type: 1 << VirtqType.SPLIT,
    max_num_virtio_queues: v.maxQueues,
    freeze_to_rdy_supported: v.freezeToRdy ? 1 : 0,
    umem_1_buffer_param_a: u1!.a,
    umem_1_buffer_param_b: u1!.b,
    umem_2_buffer_param_a: u2!.a,
    umem_2_buffer_param_b: u2!.b,
    umem_3_buffer_param_a: u3!.a,
    umem_3_buffer_param_b: u3!.b,
  });
}
