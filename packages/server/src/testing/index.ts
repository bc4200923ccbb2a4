/**
 * @auxctl/server/testing: what tests of auxctld's device sources need —
 * a host with Linux fwctl devices made of a kernel double and simulated
 * firmware (see fwctl-double.ts).
 */
export { type FwctlDouble, mlx5FwctlDriver, startFwctlDouble } from './fwctl-double.js';
