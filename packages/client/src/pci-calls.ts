/**
 * PciCalls: PciService as `client.pci` — a PF's SR-IOV VFs (sriov_numvfs,
 * sriov_drivers_autoprobe, a VF's port function) and VF driver binding. A
 * call that answers one function and gets none back is INTERNAL.
 */
import type { PciFunction, SetVfRequest } from '@auxctl/proto/pci';
import type { ServiceClientMap } from './service-clients.js';
import { answered, type Callback, type StartCall, type UnaryCalls } from './unary-calls.js';

type Functions = { functions: PciFunction[] };

/** PciCalls: see the module header. */
export class PciCalls {
  constructor(private readonly calls: UnaryCalls) {}

  async #function(
    what: string,
    start: StartCall<ServiceClientMap['pci'], { function?: PciFunction }>,
  ): Promise<PciFunction> {
    const res = await this.calls.on('pci', what, start);
    return answered(what, 'a PCI function', res.function);
  }

  /** list: a PF and its VFs, or every PF the caller may configure with its VFs. */
  async list(device = ''): Promise<PciFunction[]> {
    const res = await this.calls.on('pci', 'ListFunctions', (s, md, o, cb: Callback<Functions>) =>
      s.listFunctions({ device }, md, o, cb),
    );
    return res.functions;
  }

  /** setNumVfs: write a PF's sriov_numvfs; the PF and its VFs afterwards. */
  async setNumVfs(device: string, numVfs: number): Promise<PciFunction[]> {
    const res = await this.calls.on('pci', 'SetNumVfs', (s, md, o, cb: Callback<Functions>) =>
      s.setNumVfs({ device, numVfs }, md, o, cb),
    );
    return res.functions;
  }

  /** setAutoprobe: write a PF's sriov_drivers_autoprobe. */
  setAutoprobe(device: string, on: boolean): Promise<PciFunction> {
    return this.#function('SetAutoprobe', (s, md, o, cb) =>
      s.setAutoprobe({ device, on }, md, o, cb),
    );
  }

  /** setVf: configure VF `vf`'s port function (unset fields keep their value). */
  setVf(
    device: string,
    vf: number,
    set: Omit<SetVfRequest, 'device' | 'vf'>,
  ): Promise<PciFunction> {
    return this.#function('SetVf', (s, md, o, cb) => s.setVf({ device, vf, ...set }, md, o, cb));
  }

  /** bind: bind a VF to `driver` through driver_override ('' clears the override). */
  bind(bdf: string, driver: string): Promise<PciFunction> {
    return this.#function('Bind', (s, md, o, cb) => s.bind({ bdf, driver }, md, o, cb));
  }

  /** unbind: unbind a VF from its driver. */
  unbind(bdf: string): Promise<PciFunction> {
    return this.#function('Unbind', (s, md, o, cb) => s.unbind({ bdf }, md, o, cb));
  }
}
