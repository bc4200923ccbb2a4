/**
 * CoreEvent: what a core device announces on its event channel. The
 * server republishes these remotely (WatchDevices), so field names are
 * stable.
 */

/** CoreState: the life of a core device. */
export type CoreState =
  | 'down'
  | 'loading'
  | 'up'
  | 'reloading'
  | 'internal_error'
  | 'recovering'
  | 'closed';

/** CoreEvent: one announcement; `core` is the core device's name. */
export type CoreEvent =
  | { readonly type: 'aux-added'; readonly core: string; readonly device: string }
  | { readonly type: 'aux-removed'; readonly core: string; readonly device: string }
  | {
      readonly type: 'state';
      readonly core: string;
      readonly state: CoreState;
      readonly previous: CoreState;
    }
  | {
      readonly type: 'health';
      readonly core: string;
      readonly reporter: 'fw' | 'fw_fatal';
      readonly syndrome: number;
      readonly extSyndrome: number;
      readonly description: string;
    }
  | {
      readonly type: 'reload';
      readonly core: string;
      readonly phase: 'start' | 'done' | 'failed';
      readonly cause: 'user' | 'recovery';
      readonly error?: string;
    }
  | { readonly type: 'taint'; readonly core: string; readonly reason: string }
  /** A physical port's link changed (a PORT_CHANGE event from the device). */
  | {
      readonly type: 'port';
      readonly core: string;
      readonly port: number;
      readonly state: 'up' | 'down';
    }
  /** An SF port function of this PF changed (see port-functions.ts); `deleted` = gone. */
  | {
      readonly type: 'port-function';
      readonly core: string;
      readonly index: number;
      readonly sfnum: number;
      readonly state: 'inactive' | 'active' | 'attached' | 'deleted';
    };
