/**
 * MeteredChannel: a ctl channel that reports every firmware RPC it forwards
 * — device, opcode, how it ended, how long it took — to an observer.
 *
 * Owns the timing and the labels of one forwarded call. It must never
 * change what the wrapped channel returns or throws, and never keep the
 * inbox or outbox beyond reading their headers.
 */
import { performance } from 'node:perf_hooks';
import type { CtlChannel, RpcRequest } from '@auxctl/ctl-aux';
import { errorStatusLabel, opcodeLabel, outboxStatusLabel } from './fw-command-labels.js';

/** FwCommand: one firmware RPC as the metrics see it (label values already bounded). */
export interface FwCommand {
  /** The API's device name (PCI address). */
  readonly device: string;
  /** Opcode name from the core's table, or "other". */
  readonly opcode: string;
  /** Firmware status name (OK, BAD_PARAM, ...), or the errno when firmware never answered. */
  readonly status: string;
  readonly seconds: number;
}

/** FwCommandObserver: where metered channels report. */
export interface FwCommandObserver {
  fwCommand(c: FwCommand): void;
}

/**
 * meteredRpc: `ch.rpc(req)` reported to `observer` (one RPC, no wrapper);
 * without an observer, `ch.rpc(req)` alone.
 */
export async function meteredRpc(
  ch: CtlChannel,
  device: string,
  observer: FwCommandObserver | undefined,
  req: RpcRequest,
): Promise<Buffer> {
  if (!observer) return ch.rpc(req);
  const opcode = opcodeLabel(req.inbox);
  const t0 = performance.now();
  const seconds = (): number => (performance.now() - t0) / 1000;
  let out: Buffer;
  try {
    out = await ch.rpc(req);
  } catch (err) {
    observer.fwCommand({ device, opcode, status: errorStatusLabel(err), seconds: seconds() });
    throw err;
  }
  observer.fwCommand({ device, opcode, status: outboxStatusLabel(out), seconds: seconds() });
  return out;
}

/**
 * meteredChannel: `ch` with its `rpc` reported to `observer` (umem calls
 * pass through), for a context that runs more than one RPC. Without an
 * observer, `ch` itself.
 */
export function meteredChannel(
  ch: CtlChannel,
  device: string,
  observer: FwCommandObserver | undefined,
): CtlChannel {
  if (!observer) return ch;
  return {
    rpc: (req) => meteredRpc(ch, device, observer, req),
    umemReg: (buffer) => ch.umemReg(buffer),
    umemUnreg: (id) => ch.umemUnreg(id),
  };
}
