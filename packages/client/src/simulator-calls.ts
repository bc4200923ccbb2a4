/**
 * SimulatorCalls: SimulatorService as `client.simulator` — the faults
 * armed on a simulated device, and the guests auxctld runs as the VMM of
 * simulated VFs. A call that answers a guest and gets none back is
 * INTERNAL.
 */
import type {
  ArmedFault,
  GetGuestResponse,
  GuestInfo,
  InjectFaultRequest,
  InjectFaultResponse,
  ListFaultsResponse,
  StartGuestRequest,
  StartGuestResponse,
} from '@auxctl/proto/simulator';
import { answered, type Callback, type UnaryCalls } from './unary-calls.js';

/** SimulatorCalls: see the module header. */
export class SimulatorCalls {
  constructor(private readonly calls: UnaryCalls) {}

  /** injectFault: arm one fault of a simulated device; answers the transport faults armed now. */
  async injectFault(
    device: string,
    fault: NonNullable<InjectFaultRequest['fault']>,
  ): Promise<ArmedFault[]> {
    const res = await this.calls.on(
      'simulator',
      'InjectFault',
      (s, md, o, cb: Callback<InjectFaultResponse>) => s.injectFault({ device, fault }, md, o, cb),
    );
    return res.armed;
  }

  /** clearFaults: disarm every fault of a simulated device (a fatal error stays until recovery). */
  async clearFaults(device: string): Promise<void> {
    await this.calls.on('simulator', 'ClearFaults', (s, md, o, cb) =>
      s.clearFaults({ device }, md, o, cb),
    );
  }

  /** listFaults: the armed transport faults of a simulated device. */
  async listFaults(device: string): Promise<ArmedFault[]> {
    const res = await this.calls.on(
      'simulator',
      'ListFaults',
      (s, md, o, cb: Callback<ListFaultsResponse>) => s.listFaults({ device }, md, o, cb),
    );
    return res.armed;
  }

  /** startGuest: boot a guest on a simulated VF bound to mlx5_vfio_pci (auxctld is its VMM). */
  async startGuest(req: StartGuestRequest): Promise<GuestInfo> {
    const res = await this.calls.on(
      'simulator',
      'StartGuest',
      (s, md, o, cb: Callback<StartGuestResponse>) => s.startGuest(req, md, o, cb),
    );
    return answered('StartGuest', 'a guest', res.guest);
  }

  /** getGuest: a VF's guest and its program's counters. */
  async getGuest(vf: string): Promise<GuestInfo> {
    const res = await this.calls.on(
      'simulator',
      'GetGuest',
      (s, md, o, cb: Callback<GetGuestResponse>) => s.getGuest({ vf }, md, o, cb),
    );
    return answered('GetGuest', 'a guest', res.guest);
  }

  /** stopGuest: power a VF's guest off (the VF is reset, guest memory released). */
  async stopGuest(vf: string): Promise<void> {
    await this.calls.on('simulator', 'StopGuest', (s, md, o, cb) => s.stopGuest({ vf }, md, o, cb));
  }
}
