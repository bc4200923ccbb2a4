/**
 * SfCalls: PortFunctionService as `client.sf` — sub-function ports of a PF
 * device, as `devlink port add/function set/del` manage them. A call that
 * answers one port and gets none back is INTERNAL.
 */
import type { PortFunction } from '@auxctl/proto/devices';
import type { ServiceClientMap } from './service-clients.js';
import { answered, type Callback, type StartCall, type UnaryCalls } from './unary-calls.js';

type PortFunctionAnswer = { portFunction?: PortFunction };

/** SfCalls: see the module header. */
export class SfCalls {
  constructor(private readonly calls: UnaryCalls) {}

  async #port(
    what: string,
    start: StartCall<ServiceClientMap['portFunctions'], PortFunctionAnswer>,
  ): Promise<PortFunction> {
    const res = await this.calls.on('portFunctions', what, start);
    return answered(what, 'a port function', res.portFunction);
  }

  /** add: add an inactive sub-function port to a PF device. */
  add(device: string, pfnum: number, sfnum: number): Promise<PortFunction> {
    return this.#port('Add', (s, md, o, cb) => s.add({ device, pfnum, sfnum }, md, o, cb));
  }

  /** set: configure an inactive port (unset fields keep their value). */
  set(
    device: string,
    index: number,
    set: { hwAddr?: string; roce?: boolean; maxUctx?: number },
  ): Promise<PortFunction> {
    return this.#port('Set', (s, md, o, cb) => s.set({ device, index, ...set }, md, o, cb));
  }

  /** activate / deactivate: bring a port's function and device up, or down. */
  activate(device: string, index: number): Promise<PortFunction> {
    return this.#port('Activate', (s, md, o, cb) => s.activate({ device, index }, md, o, cb));
  }

  deactivate(device: string, index: number): Promise<PortFunction> {
    return this.#port('Deactivate', (s, md, o, cb) => s.deactivate({ device, index }, md, o, cb));
  }

  /** delete: remove a port (deactivated first when needed). */
  async delete(device: string, index: number): Promise<void> {
    await this.calls.on('portFunctions', 'Delete', (s, md, o, cb) =>
      s.delete({ device, index }, md, o, cb),
    );
  }

  /** list: the ports of a PF device. */
  async list(device: string): Promise<PortFunction[]> {
    const res = await this.calls.on(
      'portFunctions',
      'List',
      (s, md, o, cb: Callback<{ portFunctions: PortFunction[] }>) => s.list({ device }, md, o, cb),
    );
    return res.portFunctions;
  }
}
