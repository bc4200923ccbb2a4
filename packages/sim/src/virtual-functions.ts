/**
 * VirtualFunctions: the SR-IOV virtual functions (VFs) one simulated PF
 * hosts, behind the `VirtualFunctionHost` seam.
 *
 * PURPOSE
 * A VF is a PCI function of its own: firmware function id = VF index + 1
 * (also its vport number and `vhca_id`), its own Firmware and SimDevice
 * built like a sub-function's (hosted-function.ts), a PCI identity of its
 * own (the VF Device ID and the address its PF's offset and stride give),
 * a DMA space of its own (its IOMMU domain: the addresses its driver, or
 * the VMM of the guest it is assigned to, maps — a migration destination
 * maps guest memory at the source's addresses without meeting the PF's),
 * and its ports on the PF's embedded switch. VF and SF function ids never
 * meet: a PF with VFs places `sf_base_id` after its last VF.
 *
 * SR-IOV CAPABILITY (read-only): `totalVfs` (`sriov_totalvfs`, the
 * firmware option `maxVfs`), `offset` 2 and `stride` 1 as on a ConnectX
 * whose function 1 is the second port's PF, `vfDeviceId` 0x101e.
 *
 * LIFECYCLE (per function id)
 *   enable(id, attrs)     -> enabled: Firmware + SimDevice built, MAC set,
 *                            joined to the eswitch (EBUSY when enabled)
 *   configure(id, attrs)  -> rebuilt with the new attributes; EBUSY while
 *                            the VF's own driver has its HCA enabled
 *   disable(id)           -> gone: backend closed, every object and uid of
 *                            the VF dropped (no-op when not enabled)
 * A PF fatal error halts every VF (same silicon); a PF reset disables
 * them all.
 *
 * Owns: VF firmwares and their devices, and each VF's `migratable` flag.
 * Never: the PCI view of the VFs (the driver's PCI bus), the eswitch.
 */
import {
  AuxError,
  type DeviceIdentity,
  DmaSpace,
  formatPciAddress,
  parsePciAddress,
  type VirtualFunctionAttrs,
  type VirtualFunctionHost,
  vfAddress,
} from '@auxctl/prm';
import type { DirtyLog } from './datapath/dirty-log.js';
import {
  type HostedFunction,
  type HostingOptions,
  type HostTransport,
  startHostedFunction,
  stopHostedFunction,
} from './hosted-function.js';
import type { SimDevice } from './sim-device.js';

/** VF_DEVICE_ID: "ConnectX Family mlx5Gen Virtual Function". */
export const VF_DEVICE_ID = 0x101e;
/** VF_OFFSET / VF_STRIDE: where the simulated PF's VFs sit. */
export const VF_OFFSET = 2;
export const VF_STRIDE = 1;

/** VfFunction: one enabled VF as firmware keeps it. */
export interface VfFunction extends HostedFunction {
  /** 0-based VF index (function id - 1). */
  readonly index: number;
  readonly functionId: number;
  readonly identity: DeviceIdentity;
  readonly attrs: VirtualFunctionAttrs;
}

/** VirtualFunctionsOptions: what the PF lends. */
export interface VirtualFunctionsOptions extends HostingOptions {
  /** sriov_totalvfs. */
  readonly total: number;
}

/** VirtualFunctions: see the module header. */
export class VirtualFunctions implements VirtualFunctionHost {
  /** transport: SimDevice options for VF devices (createSimDevice copies the PF's). */
  transport: HostTransport = {};
  readonly offset = VF_OFFSET;
  readonly stride = VF_STRIDE;
  readonly vfDeviceId = VF_DEVICE_ID;
  private readonly enabled = new Map<number, VfFunction>();

  constructor(private readonly o: VirtualFunctionsOptions) {}

  get totalVfs(): number {
    return this.o.total;
  }

  /** list: enabled VFs in function-id order. */
  list(): VfFunction[] {
    return [...this.enabled.values()].sort((a, b) => a.functionId - b.functionId);
  }

  /** get: the enabled VF with function id `functionId`, or undefined. */
  get(functionId: number): VfFunction | undefined {
    return this.enabled.get(functionId);
  }

  enable(functionId: number, attrs: VirtualFunctionAttrs): void {
    this.checkId(functionId);
    if (this.enabled.has(functionId)) {
      throw new AuxError('EBUSY', `VF function ${functionId} is already enabled`);
    }
    this.start(functionId, attrs);
    this.o.log.info({ functionId }, 'virtual function enabled');
  }

  backend(functionId: number): SimDevice {
    return this.need(functionId).device;
  }

  configure(functionId: number, attrs: VirtualFunctionAttrs): void {
    const vf = this.need(functionId);
    if (vf.firmware.state !== 'disabled') {
      throw new AuxError(
        'EBUSY',
        `VF function ${functionId} is in use by its driver; unbind the VF before changing its port function`,
      );
    }
    this.drop(vf);
    this.start(functionId, attrs);
  }

  disable(functionId: number): void {
    this.checkId(functionId);
    const vf = this.enabled.get(functionId);
    if (!vf) return;
    this.drop(vf);
    this.o.log.info({ functionId }, 'virtual function disabled');
  }

  /** dirtyLog: the device DMA log of VF function `functionId` (the PF's host reads it); ENODEV when not enabled. */
  dirtyLog(functionId: number): DirtyLog {
    return this.need(functionId).firmware.dirtyLog;
  }

  /** fatal: the PF asserted: every enabled VF halts with the same syndrome. */
  fatal(synd: number, extSynd: number): void {
    for (const vf of this.enabled.values()) vf.firmware.injectFatal(synd, extSynd);
  }

  /** reset: the PF was reset: every VF is disabled. */
  reset(): void {
    for (const vf of this.list()) this.drop(vf);
  }

  private start(functionId: number, attrs: VirtualFunctionAttrs): void {
    const pf = this.o.pf.identity;
    const index = functionId - 1;
    const bdf = formatPciAddress(vfAddress(parsePciAddress(pf.bdf), this, index));
    const identity: DeviceIdentity = { ...pf, bdf, deviceId: this.vfDeviceId };
    const fn = startHostedFunction({ ...this.o, transport: this.transport }, functionId, {
      hwAddr: attrs.hwAddr,
      roce: attrs.roce,
      migratable: attrs.migratable,
      identity,
      dma: new DmaSpace(),
    });
    const frozen = Object.freeze({ ...attrs, hwAddr: Buffer.from(attrs.hwAddr) });
    this.enabled.set(functionId, { ...fn, index, functionId, identity, attrs: frozen });
  }

  private drop(vf: VfFunction): void {
    this.enabled.delete(vf.functionId);
    stopHostedFunction(this.o.eswitch(), vf);
  }

  private checkId(functionId: number): void {
    if (!Number.isInteger(functionId) || functionId < 1 || functionId > this.o.total) {
      throw new AuxError(
        'EINVAL',
        `VF function ids are 1..${this.o.total} (VF index + 1), got ${functionId}`,
      );
    }
  }

  private need(functionId: number): VfFunction {
    this.checkId(functionId);
    const vf = this.enabled.get(functionId);
    if (!vf) throw new AuxError('ENODEV', `VF function ${functionId} is not enabled`);
    return vf;
  }
}
