/**
 * createSimDevice: one simulated PCI function, firmware and transport wired
 * to the same DMA space and identity. This is what callers use; `SimDevice`
 * and `Firmware` are the parts.
 */
import { type DeviceIdentity, DmaSpace } from '@auxctl/prm';
import { Firmware } from './firmware.js';
import { DEFAULT_IDENTITY, type FirmwareOptions } from './firmware-options.js';
import { SimDevice, type SimDeviceOptions } from './sim-device.js';

/** SimFunctionOptions: firmware settings plus transport settings. */
export interface SimFunctionOptions
  extends Omit<FirmwareOptions, 'dma' | 'identity'>,
    Omit<SimDeviceOptions, 'dma' | 'identity'> {
  readonly identity?: Partial<DeviceIdentity>;
}

/** SimFunction: a SimDevice whose engine is the simulated firmware. */
export type SimFunction = SimDevice & { readonly engine: Firmware };

/** createSimDevice: see the module header. Throws AuxError(EINVAL) for impossible options. */
export function createSimDevice(opts: SimFunctionOptions = {}): SimFunction {
  const dma = new DmaSpace();
  const identity: DeviceIdentity = { ...DEFAULT_IDENTITY, ...opts.identity };
  const { latency, now, logger, checksum, ...fw } = opts;
  const firmware = new Firmware({ ...fw, ...(logger && { logger }), dma, identity });
  // Hosted functions' devices run on the PF's latency model and clock.
  const transport = {
    ...(latency !== undefined && { latency }),
    ...(checksum !== undefined && { checksum }),
    ...(now && { now }),
  };
  firmware.subFunctions.transport = transport;
  firmware.virtualFunctions.transport = transport;
  return new SimDevice(firmware, {
    dma,
    identity,
    ...(latency !== undefined && { latency }),
    ...(checksum !== undefined && { checksum }),
    ...(now && { now }),
    ...(logger && { logger }),
  }) as SimFunction;
}

/** simIdentity: identity `n` of a machine with several simulated devices (distinct BDF and serial). */
export function simIdentity(n: number): Partial<DeviceIdentity> {
  const bus = (0x08 + n).toString(16).padStart(2, '0');
  return { bdf: `0000:${bus}:00.0`, serial: `MT2150X${String(n + 1).padStart(5, '0')}` };
}
