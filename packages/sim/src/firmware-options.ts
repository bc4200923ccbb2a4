/**
 * FirmwareOptions: how a simulated device is configured, and their defaults.
 *
 * Every option is checked once, when the firmware is built; a value the
 * device could not have is AuxError(EINVAL) with what to use instead.
 *
 * Owns: option validation and defaults. Never: firmware state.
 */
import { AuxError, type DeviceIdentity, type DmaSpace, UCTX_CAP_ALL } from '@auxctl/prm';
import type { GeneralCapField } from './hca-caps.js';
import { type Logger, silentLogger } from './log.js';
import type { FwObjectType } from './register-host.js';
import { CRDUMP_MIN_BYTES } from './registers/crdump-image.js';
import type { VirtioEmulationOptions } from './virtio-emulation-cap.js';

/** FwClock: the firmware's time source in milliseconds (tests pass a fake one). */
export interface FwClock {
  now(): number;
}

/** FirmwareOptions: see the module header. */
export interface FirmwareOptions {
  /** Host memory the device reaches (umem pages, PA keys). */
  readonly dma: DmaSpace;
  /** PCI function and firmware identity; default {@link DEFAULT_IDENTITY}. */
  readonly identity?: DeviceIdentity;
  /** Time source; default the wall clock. Drives the health counter and diagnostic counters. */
  readonly clock?: FwClock;
  /** Physical ports, 1..8; default 1. */
  readonly ports?: number;
  /** Link layer of the ports; default Ethernet. */
  readonly portType?: 'eth' | 'ib';
  /** RoCE support (Ethernet only); default on. */
  readonly roce?: boolean;
  /** uctx capabilities the device offers (`uctx_cap`); default RAW_TX | INTERNAL | TOOLS (0x7). */
  readonly uctxCap?: number;
  /** Values for general capabilities (max and current), e.g. `{ log_max_pd: 4 }`. */
  readonly caps?: Partial<Record<GeneralCapField, number>>;
  /**
   * Core dump size in bytes, {@link MIN_CRDUMP_SIZE}..64 MiB (whole 8-byte pairs unless the
   * size says otherwise: the last pair is then cut); default {@link DEFAULT_CRDUMP_SIZE}.
   */
  readonly crdumpSize?: number;
  readonly logger?: Logger;
  /**
   * Sub-functions this function can host (`max_num_sf`, 0..0xffff); default
   * {@link DEFAULT_MAX_SFS}; 0 = no SF support (`sf` = 0). See sub-functions.ts.
   */
  readonly maxSfs?: number;
  /**
   * SR-IOV virtual functions this function can host (`sriov_totalvfs`,
   * 0..255); default 0 = no SR-IOV. SFs' function ids then start after the
   * last VF's. See virtual-functions.ts.
   */
  readonly maxVfs?: number;
  /**
   * Virtio emulation (VIRTIO_NET_Q objects, cap_type 0x13) on an Ethernet
   * device; default on with the defaults of VirtioEmulationOptions; false = off.
   */
  readonly virtio?: VirtioEmulationOptions | false;
  /**
   * Whether this function's state may be saved and loaded
   * (`cmd_hca_cap_2.migratable`): a VF whose port function is migratable;
   * default false.
   */
  readonly migratable?: boolean;
  /** Live-object limits below what `log_max_*` allows (an SF's uctx share). */
  readonly objectLimits?: Partial<Record<FwObjectType, number>>;
}

/** DEFAULT_MAX_SFS: sub-functions a simulated PF can host by default. */
export const DEFAULT_MAX_SFS = 64;

/** ResolvedFirmwareOptions: options with every default filled in. */
export type ResolvedFirmwareOptions = Required<FirmwareOptions>;

/** DEFAULT_IDENTITY: a ConnectX-6 Dx PF at 0000:08:00.0. */
export const DEFAULT_IDENTITY: DeviceIdentity = {
  bdf: '0000:08:00.0',
  vendorId: 0x15b3,
  deviceId: 0x101d,
  fwVersion: '22.39.1002',
  psid: 'MT_0000000359',
  serial: 'MT2150X00001',
};

/** DEFAULT_CRDUMP_SIZE / MIN_CRDUMP_SIZE / MAX_CRDUMP_SIZE: core dump size and bounds (min: the header pairs). */
export const DEFAULT_CRDUMP_SIZE = 831_304;
export const MIN_CRDUMP_SIZE = CRDUMP_MIN_BYTES;
export const MAX_CRDUMP_SIZE = 64 * 1024 * 1024;
const MAX_PORTS = 8;
/** MAX_VFS: the most VFs a simulated PF can offer. */
const MAX_VFS = 255;

const wallClock: FwClock = { now: () => Date.now() };

/** resolveFirmwareOptions: defaults filled in; throws AuxError(EINVAL) for an impossible value. */
export function resolveFirmwareOptions(o: FirmwareOptions): ResolvedFirmwareOptions {
  const r: ResolvedFirmwareOptions = {
    dma: o.dma,
    identity: o.identity ?? DEFAULT_IDENTITY,
    clock: o.clock ?? wallClock,
    ports: o.ports ?? 1,
    portType: o.portType ?? 'eth',
    roce: o.roce ?? true,
    uctxCap: o.uctxCap ?? UCTX_CAP_ALL,
    caps: o.caps ?? {},
    crdumpSize: o.crdumpSize ?? DEFAULT_CRDUMP_SIZE,
    logger: o.logger ?? silentLogger,
    maxSfs: o.maxSfs ?? DEFAULT_MAX_SFS,
    maxVfs: o.maxVfs ?? 0,
    objectLimits: o.objectLimits ?? {},
    migratable: o.migratable ?? false,
    virtio: o.virtio ?? {},
  };
  if (!Number.isInteger(r.maxSfs) || r.maxSfs < 0 || r.maxSfs > 0xffff) {
    throw new AuxError('EINVAL', `maxSfs must be 0..65535, got ${r.maxSfs}`);
  }
  if (!Number.isInteger(r.maxVfs) || r.maxVfs < 0 || r.maxVfs > MAX_VFS) {
    throw new AuxError('EINVAL', `maxVfs must be 0..${MAX_VFS}, got ${r.maxVfs}`);
  }
  for (const [type, n] of Object.entries(r.objectLimits)) {
    if (!Number.isInteger(n) || (n as number) < 0) {
      throw new AuxError('EINVAL', `objectLimits.${type} must be an integer >= 0`);
    }
  }
  if (!r.dma) throw new AuxError('EINVAL', 'firmware needs a DmaSpace (options.dma)');
  if (!Number.isInteger(r.ports) || r.ports < 1 || r.ports > MAX_PORTS) {
    throw new AuxError('EINVAL', `ports must be 1..${MAX_PORTS}, got ${r.ports}`);
  }
  if (r.portType !== 'eth' && r.portType !== 'ib') {
    // Untrusted at run time whatever its type says: echo a short string, else only its type.
    const v: unknown = r.portType;
    const got = typeof v === 'string' ? JSON.stringify(v.slice(0, 20)) : typeof v;
    throw new AuxError('EINVAL', `portType must be 'eth' or 'ib', got ${got}`);
  }
  if (!Number.isInteger(r.uctxCap) || r.uctxCap < 0 || r.uctxCap > 0xffff_ffff) {
    throw new AuxError('EINVAL', 'uctxCap is a 32-bit mask of UctxCap bits');
  }
  if (
    !Number.isInteger(r.crdumpSize) ||
    r.crdumpSize < MIN_CRDUMP_SIZE ||
    r.crdumpSize > MAX_CRDUMP_SIZE
  ) {
    throw new AuxError(
      'EINVAL',
      `crdumpSize must be ${MIN_CRDUMP_SIZE}..${MAX_CRDUMP_SIZE} bytes, got ${r.crdumpSize}`,
    );
  }
  if (typeof r.clock.now !== 'function')
    throw new AuxError('EINVAL', 'clock must have now(): number');
  return r;
}
