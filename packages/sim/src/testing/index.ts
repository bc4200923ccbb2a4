/**
 * @auxctl/sim/testing: helpers for tests that drive a device directly, in
 * this package and in the driver packages (core's command-queue tests):
 * a firmware harness that runs commands without a transport, a stub
 * engine that echoes what crossed the queue, inbox builders and test frames.
 * Never imported by library code.
 */

export { ethFrame } from './eth-frame.js';
export { type CmdResult, FirmwareHarness, type MkeyOptions } from './firmware-harness.js';
export { flush, type InboxSpec, makeInbox } from './inbox.js';
export {
  type MenuSampleRow,
  MLX5CTL_MENU_BYTES,
  MLX5CTL_MENU_SAMPLE,
} from './mlx5ctl-menu-sample.js';
export { type StubCall, StubEngine } from './stub-engine.js';
