/**
 * @auxctl/vmm: the VMM side of a VF's live migration — guest memory in the
 * VF's IOMMU domain and its dirty tracking (GuestRam), and a guest whose
 * whole state lives in that memory (Guest), so that moving memory, the
 * device's state and the vCPU's registers moves the guest.
 */
export {
  checkGuestOptions,
  GUEST_MEMORY_LIMITS,
  Guest,
  type GuestOptions,
  type GuestProgramName,
  type GuestStats,
  STEP_MS,
} from './guest.js';
export { FRAME_BYTES, RESEND_TICKS, SLOT } from './guest-program.js';
export { GuestRam, type RamPage, type RamRegion } from './guest-ram.js';
export { decodeVcpu, encodeVcpu, VCPU_BYTES } from './guest-state.js';
