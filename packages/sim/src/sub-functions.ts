/**
 * SubFunctions: the sub-functions (SFs) one simulated PF hosts.
 *
 * PURPOSE
 * An SF is a function of its own: its own function id (`sf_base_id` +
 * index, also its vport number and `vhca_id`), its own Firmware (HCA state
 * machine, capabilities, object table, uids, vport, health) and its own
 * SimDevice (command-queue page, doorbells, events) — so a driver drives it
 * exactly as it drives a PF. It shares the PF's DMA space, clock, identity
 * and physical ports (through the PF's EmbeddedSwitch).
 *
 * LIFECYCLE (per SF index; mlx5 ALLOC_SF / ENABLE_HCA / DISABLE_HCA / DEALLOC_SF)
 *   alloc(sfnum)        -> allocated (function id reserved)
 *   enable(id, attrs)   -> enabled: a fresh Firmware + SimDevice, MAC set,
 *                          joined to the eswitch; returns the SF's backend
 *   disable(id)         -> allocated: backend closed, firmware dropped
 *                          (every object and uid of the SF is gone)
 *   free(id)            -> index free again (EBUSY while enabled)
 * A PF fatal error halts every enabled SF (same silicon); a PF reset
 * disables them all (allocations survive, as the driver re-enables them).
 *
 * CAPABILITIES OF AN SF: a share of the PF's maximum, as for every hosted
 * function (see hosted-function.ts); an SF hosts nothing.
 *
 * Owns: SF firmwares and their devices. Never: the eswitch (the PF's), the PF's
 * objects, or a driver's state.
 */
import { AuxError, type SubFunctionAttrs, type SubFunctionHost } from '@auxctl/prm';
import type { EmbeddedSwitch } from './embedded-switch.js';
import type { Firmware } from './firmware.js';
import {
  type HostingOptions,
  type HostTransport,
  startHostedFunction,
  stopHostedFunction,
} from './hosted-function.js';
import type { SimDevice } from './sim-device.js';

/** SfTransport: how SF devices are built (the PF's latency model and clock). */
export type SfTransport = HostTransport;

/** SfFunction: one SF index as firmware keeps it. */
export interface SfFunction {
  readonly index: number;
  readonly functionId: number;
  readonly sfnum: number;
  state: 'allocated' | 'enabled';
  firmware: Firmware | undefined;
  device: SimDevice | undefined;
  maxUctx: number | undefined;
}

/** SubFunctionsOptions: what the PF lends. */
export interface SubFunctionsOptions extends HostingOptions {
  readonly max: number;
  readonly baseId: number;
}

/** SubFunctions: see the module header. */
export class SubFunctions implements SubFunctionHost {
  /** transport: SimDevice options for SF devices (createSimDevice copies the PF's). */
  transport: SfTransport = {};
  private readonly slots: (SfFunction | undefined)[];

  constructor(private readonly o: SubFunctionsOptions) {
    this.slots = new Array(o.max).fill(undefined);
  }

  /** eswitch: the PF's embedded switch (shared with its VFs). */
  get eswitch(): EmbeddedSwitch {
    return this.o.eswitch();
  }

  get maxFunctions(): number {
    return this.o.max;
  }

  get baseId(): number {
    return this.o.baseId;
  }

  /** list: allocated SF indexes in index order. */
  list(): SfFunction[] {
    return this.slots.filter((s): s is SfFunction => s !== undefined);
  }

  /** get: the SF with function id `functionId`, or undefined. */
  get(functionId: number): SfFunction | undefined {
    const i = functionId - this.o.baseId;
    return Number.isInteger(i) && i >= 0 ? this.slots[i] : undefined;
  }

  alloc(sfnum: number): number {
    if (!Number.isInteger(sfnum) || sfnum < 0 || sfnum > 0xffff_ffff) {
      throw new AuxError('EINVAL', `sfnum must be 0..4294967295, got ${sfnum}`);
    }
    if (this.list().some((s) => s.sfnum === sfnum)) {
      throw new AuxError('EEXIST', `sfnum ${sfnum} is already allocated; pick another`);
    }
    const index = this.slots.indexOf(undefined);
    if (index < 0) {
      throw new AuxError('ENOSPC', `all ${this.o.max} sub-functions (max_num_sf) are allocated`);
    }
    const sf: SfFunction = {
      index,
      functionId: this.o.baseId + index,
      sfnum,
      state: 'allocated',
      firmware: undefined,
      device: undefined,
      maxUctx: undefined,
    };
    this.slots[index] = sf;
    return sf.functionId;
  }

  enable(functionId: number, attrs: SubFunctionAttrs): SimDevice {
    const sf = this.need(functionId);
    if (sf.state === 'enabled') throw new AuxError('EBUSY', `function ${functionId} is enabled`);
    const { firmware, device } = startHostedFunction(
      { ...this.o, transport: this.transport },
      functionId,
      attrs,
    );
    sf.firmware = firmware;
    sf.device = device;
    sf.maxUctx = attrs.maxUctx;
    sf.state = 'enabled';
    this.o.log.info({ functionId, sfnum: sf.sfnum }, 'sub-function enabled');
    return device;
  }

  disable(functionId: number): void {
    const sf = this.need(functionId);
    if (sf.state !== 'enabled') return;
    this.drop(sf);
    this.o.log.info({ functionId, sfnum: sf.sfnum }, 'sub-function disabled');
  }

  free(functionId: number): void {
    const sf = this.need(functionId);
    if (sf.state === 'enabled') {
      throw new AuxError('EBUSY', `function ${functionId} is enabled; disable it first`);
    }
    this.slots[sf.index] = undefined;
  }

  /** fatal: the PF asserted: every enabled SF halts with the same syndrome. */
  fatal(synd: number, extSynd: number): void {
    for (const sf of this.list()) sf.firmware?.injectFatal(synd, extSynd);
  }

  /** reset: the PF was reset: every SF is disabled; allocations stay. */
  reset(): void {
    for (const sf of this.list()) if (sf.state === 'enabled') this.drop(sf);
  }

  private drop(sf: SfFunction): void {
    stopHostedFunction(this.eswitch, sf);
    sf.firmware = undefined;
    sf.device = undefined;
    sf.state = 'allocated';
  }

  private need(functionId: number): SfFunction {
    const sf = this.get(functionId);
    if (!sf) throw new AuxError('ENOENT', `no sub-function with function id ${functionId}`);
    return sf;
  }
}
