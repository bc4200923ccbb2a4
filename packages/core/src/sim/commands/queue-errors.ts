/**
 * Errors shared by the queue command handlers, so each rule fails with one
 * status and syndrome wherever it is checked (see sim/syndromes.ts).
 */
import { CmdStatus } from '../../ifc/status.js';
import { FwError } from '../fw-error.js';
import { Syndrome } from '../syndromes.js';

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
