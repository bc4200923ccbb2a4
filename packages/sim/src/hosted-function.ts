/**
 * HostedFunction: one function a PF hosts — a sub-function or an SR-IOV
 * virtual function — brought up as a function of its own, and taken down
 * again. Both kinds are built alike:
 *
 *   a fresh Firmware (own HCA state machine, capabilities, object table,
 *   uids, vport, health) with `vhca_id` = its function id and a share of
 *   the PF's maximum (log_max_qp / log_max_cq / log_max_mkey one below the
 *   PF's; log_max_uctx from `maxUctx` when given, else one below the PF's;
 *   roce only when the PF has it); it hosts nothing itself (no SFs, no
 *   VFs). Its own SimDevice (command-queue page, doorbells, events) on the
 *   PF's DMA space, latency model and clock; its MAC set; its ports joined
 *   to the PF's embedded switch.
 *
 * Stopping detaches it from the switch, drops doorbells already batched
 * and closes its device: every object and uid of the function is gone.
 *
 * Owns: the build and teardown recipe. Never: which functions exist (the
 * SubFunctions and VirtualFunctions tables do).
 */
import type { DeviceIdentity, DmaSpace } from '@auxctl/prm';
import type { Datapath } from './datapath/datapath.js';
import type { EmbeddedSwitch } from './embedded-switch.js';
import type { Firmware } from './firmware.js';
import type { FirmwareOptions } from './firmware-options.js';
import type { GeneralCapField } from './hca-caps.js';
import type { Logger } from './log.js';
import { SimDevice, type SimDeviceOptions } from './sim-device.js';

/** HostTransport: how hosted functions' devices are built (the PF's latency model and clock). */
export type HostTransport = Pick<SimDeviceOptions, 'latency' | 'now' | 'checksum'>;

/** HostingPf: what a hosted function borrows from its PF. */
export interface HostingPf {
  readonly datapath: Datapath;
  readonly identity: DeviceIdentity;
  capability(field: GeneralCapField, which?: 'cur' | 'max'): number;
}

/** HostingOptions: what a PF lends the tables of the functions it hosts. */
export interface HostingOptions {
  readonly pf: HostingPf;
  /** spawn: a Firmware with the PF's options, adjusted by `overrides`. */
  readonly spawn: (overrides: Partial<FirmwareOptions>) => Firmware;
  /** eswitch: the PF's embedded switch, made when the first hosted function needs it. */
  readonly eswitch: () => EmbeddedSwitch;
  readonly log: Logger;
}

/** HostingContext: the PF side of building a hosted function. */
export interface HostingContext extends HostingOptions {
  readonly transport: HostTransport;
}

/** HostedShare: what the eswitch manager decided for the function. */
export interface HostedShare {
  readonly hwAddr: Buffer;
  readonly roce: boolean;
  readonly maxUctx?: number;
  /** `cmd_hca_cap_2.migratable` (a VF's port function); default false. */
  readonly migratable?: boolean;
  /** The function's PCI identity; default the PF's (an SF has no PCI function of its own). */
  readonly identity?: DeviceIdentity;
  /**
   * The function's DMA space: a PCI function of its own (a VF) has its own
   * IOMMU domain, as vfio gives one to each assigned VF; default the PF's
   * (an SF reaches host memory through its PF).
   */
  readonly dma?: DmaSpace;
}

/** HostedFunction: a running hosted function. */
export interface HostedFunction {
  readonly firmware: Firmware;
  readonly device: SimDevice;
}

/** startHostedFunction: build and attach function `functionId` (see the module header). */
export function startHostedFunction(
  h: HostingContext,
  functionId: number,
  share: HostedShare,
): HostedFunction {
  const pf = h.pf;
  const below = (f: GeneralCapField) => Math.max(0, pf.capability(f, 'max') - 1);
  const caps: Partial<Record<GeneralCapField, number>> = {
    vhca_id: functionId,
    log_max_qp: below('log_max_qp'),
    log_max_cq: below('log_max_cq'),
    log_max_mkey: below('log_max_mkey'),
    log_max_uctx:
      share.maxUctx !== undefined
        ? Math.max(0, Math.ceil(Math.log2(Math.max(1, share.maxUctx))))
        : below('log_max_uctx'),
  };
  const identity = share.identity ?? pf.identity;
  const firmware = h.spawn({
    caps,
    identity,
    roce: share.roce && pf.capability('roce', 'max') === 1,
    maxSfs: 0,
    maxVfs: 0,
    migratable: share.migratable ?? false,
    ...(share.maxUctx !== undefined && { objectLimits: { UCTX: share.maxUctx } }),
    ...(share.dma && { dma: share.dma }),
  });
  firmware.datapath.vport.factoryMac = Buffer.from(share.hwAddr);
  firmware.datapath.vport.mac = Buffer.from(share.hwAddr);
  const device = new SimDevice(firmware, {
    ...h.transport,
    dma: firmware.dmaSpace,
    identity,
    logger: h.log,
  });
  h.eswitch().attach(firmware.datapath);
  return { firmware, device };
}

/** stopHostedFunction: detach and close `fn` (see the module header). */
export function stopHostedFunction(eswitch: EmbeddedSwitch, fn: Partial<HostedFunction>): void {
  if (fn.firmware) {
    eswitch.detach(fn.firmware.datapath);
    // Doorbells already batched must not run on a function that is gone.
    fn.firmware.datapath.reset();
  }
  // Closing the device detaches the firmware's events too.
  fn.device?.close();
}
