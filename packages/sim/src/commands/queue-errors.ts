/**
 * Errors shared by the queue command handlers, so each rule fails with one
 * status and syndrome wherever it is checked (see @auxctl/prm syndromes.ts), and
 * the port check they share.
 */
import { CmdStatus, Syndrome } from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { FwContext } from './command.js';

/** notModelled: a valid PRM setting the simulated device does not implement. */
export const notModelled = (what: string) =>
  new FwError(
    CmdStatus.BAD_PARAM,
    Syndrome.QUEUE_NOT_MODELLED,
    `${what} is not modelled by the simulated device`,
  );

/** badQueueState: an SQ/RQ modify whose current state or transition is wrong. */
export const badQueueState = (msg: string) =>
  new FwError(CmdStatus.BAD_RES_STATE, Syndrome.QUEUE_BAD_STATE, msg);

/** badPort: a port number the device does not have. */
export const badPort = (port: number) =>
  new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_PORT, `port ${port} does not exist`);

/** requirePort: port `n` of a queue context (0 = port 1); throws badPort when the device lacks it. */
export function requirePort(fw: FwContext, n: number): number {
  const port = n || 1;
  if (!fw.datapath.port(port)) throw badPort(port);
  return port;
}
