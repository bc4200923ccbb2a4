/**
 * The floor of the remote suite's Exec figures: auxctl's own CtlService
 * definition (the generated protobuf codecs) on a plain grpc-js server
 * whose Exec answers at once with `out_len` zero bytes — no middleware,
 * authorization, context, command queue, firmware, metrics or log line.
 * The bare server process serves it beside the bare echo.
 *
 * The same AuxctlClient calls it as calls auxctld, so floor / bare is what
 * the client library and protobuf cost on their own, and auxctld / floor
 * what auxctld's work on each call costs: a goal on the ratio to bare can
 * only be met if that work fits in what the floor leaves.
 *
 * Every other CtlService method is left to grpc-js, which answers
 * UNIMPLEMENTED.
 */
import { CtlServiceService, type ExecRequest, type ExecResponse } from '@auxctl/proto';
import { type handleUnaryCall, type Server, status } from '@grpc/grpc-js';
import { zerosOf } from './remote-bare.js';

/** FLOOR_MAX_OUT: the largest outbox the floor answers (auxctl's Exec bound is far lower). */
const FLOOR_MAX_OUT = 1 << 16;

/** floorExec: the floor's Exec — the requested outbox length of zeros, or INVALID_ARGUMENT. */
export const floorExec: handleUnaryCall<ExecRequest, ExecResponse> = (call, cb) => {
  const n = call.request.outLen;
  if (!Number.isInteger(n) || n < 0 || n > FLOOR_MAX_OUT) {
    cb({ code: status.INVALID_ARGUMENT, details: `out_len ${n} is outside 0..${FLOOR_MAX_OUT}` });
    return;
  }
  cb(null, { outbox: zerosOf(n) });
};

/** addFloorService: serve the floor CtlService on `server`. */
export function addFloorService(server: Server): void {
  server.addService(CtlServiceService, { exec: floorExec });
}
