/**
 * VdpaCalls: VdpaService as `client.vdpa` — management devices, vdpa
 * devices and their virtqueues, as the `vdpa` tool manages them.
 */
import type {
  AddVdpaDeviceRequest,
  GetVdpaQueueResponse,
  VdpaDevice,
  VdpaMgmtDev,
} from '@auxctl/proto/vdpa';
import { answered, type Callback, type UnaryCalls } from './unary-calls.js';

/** VdpaCalls: see the module header. */
export class VdpaCalls {
  constructor(private readonly calls: UnaryCalls) {}

  /** mgmtDevs: every vdpa management device, or the one named (NOT_FOUND when unknown). */
  async mgmtDevs(name = ''): Promise<VdpaMgmtDev[]> {
    const res = await this.calls.on(
      'vdpa',
      'ListMgmtDevs',
      (s, md, o, cb: Callback<{ mgmtdevs: VdpaMgmtDev[] }>) => s.listMgmtDevs({ name }, md, o, cb),
    );
    return res.mgmtdevs;
  }

  /** add: create a vdpa device through a management device (`vdpa dev add`). */
  async add(request: AddVdpaDeviceRequest): Promise<VdpaDevice> {
    const res = await this.calls.on(
      'vdpa',
      'AddVdpaDevice',
      (s, md, o, cb: Callback<{ device?: VdpaDevice }>) => s.addVdpaDevice(request, md, o, cb),
    );
    return answered('AddVdpaDevice', 'a device', res.device);
  }

  /** delete: delete a vdpa device (`vdpa dev del`). */
  async delete(name: string): Promise<void> {
    await this.calls.on('vdpa', 'DeleteVdpaDevice', (s, md, o, cb) =>
      s.deleteVdpaDevice({ name }, md, o, cb),
    );
  }

  /** devices: every vdpa device, or the named ones (NOT_FOUND for an unknown name). */
  async devices(names: readonly string[] = []): Promise<VdpaDevice[]> {
    const res = await this.calls.on(
      'vdpa',
      'ListVdpaDevices',
      (s, md, o, cb: Callback<{ devices: VdpaDevice[] }>) =>
        s.listVdpaDevices({ names: [...names] }, md, o, cb),
    );
    return res.devices;
  }

  /** queue: one virtqueue's state and vendor statistics (`vdpa dev vstats show`). */
  queue(name: string, queueIndex: number): Promise<GetVdpaQueueResponse> {
    return this.calls.on('vdpa', 'GetVdpaQueue', (s, md, o, cb) =>
      s.getVdpaQueue({ name, queueIndex }, md, o, cb),
    );
  }
}
