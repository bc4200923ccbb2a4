/**
 * FwError: how a simulated firmware handler fails a command.
 *
 * A handler throws FwError(status, syndrome); the dispatcher turns it into
 * the outbox header. Nothing else may escape a handler: any other exception
 * is a simulator bug and is reported as INT_ERR with SYNDROME.INTERNAL.
 */
export class FwError extends Error {
  override readonly name = 'FwError';
  constructor(
    readonly status: number,
    readonly syndrome: number,
    message?: string,
  ) {
    super(
      message ?? `firmware status 0x${status.toString(16)} syndrome 0x${syndrome.toString(16)}`,
    );
  }
}
