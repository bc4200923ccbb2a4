/**
 * AuxctlError: the one error class of the client library.
 *
 * Owns the translation of what can go wrong on the client side into a code
 * and a message that says what to do: gRPC statuses become their code name
 * (`NOT_FOUND`, `PERMISSION_DENIED`, ...) with the server's details, session
 * RPC errors keep the errno name the server sent (`EINVAL`, `EPERM`, ...),
 * and local failures (configuration, files, integrity) use errno names too.
 * It must never swallow the original error: it is kept as `cause`.
 */
import { status } from '@grpc/grpc-js';
import { explainTransport, type TransportFacts } from './transport-failure.js';

/** GRPC_CODE_NAMES: gRPC status number -> its canonical name. */
const GRPC_CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(status)
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .map(([name, code]) => [code, name]),
);

/** grpcCodeName: the canonical name of a gRPC status code (`UNKNOWN` for numbers outside the table). */
export function grpcCodeName(code: number): string {
  return GRPC_CODE_NAMES.get(code) ?? 'UNKNOWN';
}

/** AuxctlError: a coded client error; `grpcCode` is set when a gRPC status caused it. */
export class AuxctlError extends Error {
  override readonly name = 'AuxctlError';
  /** code: a gRPC status name (`UNAVAILABLE`) or an errno name (`EINVAL`). */
  readonly code: string;
  /** grpcCode: the numeric gRPC status, when the error came from one. */
  readonly grpcCode: number | undefined;
  /** details: the server's status details (or the local reason), without the code prefix. */
  readonly details: string;

  constructor(
    code: string,
    details: string,
    options?: { grpcCode?: number; cause?: unknown; context?: string },
  ) {
    const prefix = options?.context === undefined ? '' : `${options.context}: `;
    super(`${prefix}${code}: ${details}`, { cause: options?.cause });
    this.code = code;
    this.grpcCode = options?.grpcCode;
    this.details = details;
  }
}

/** isAuxctlError: true when `e` is an AuxctlError, optionally with the given code. */
export function isAuxctlError(e: unknown, code?: string): e is AuxctlError {
  return e instanceof AuxctlError && (code === undefined || e.code === code);
}

interface StatusLike {
  code: number;
  details?: string;
  message?: string;
}

function isStatusLike(e: unknown): e is StatusLike {
  return typeof e === 'object' && e !== null && typeof (e as StatusLike).code === 'number';
}

/**
 * toAuxctlError: wrap whatever a grpc-js call rejected with. A ServiceError
 * keeps its status as `code`/`grpcCode` (an UNAVAILABLE one's details say
 * why the connection failed when `transport` lets explainTransport tell); an AuxctlError passes through; any
 * other value becomes `UNKNOWN` with its message.
 */
export function toAuxctlError(
  e: unknown,
  context?: string,
  transport?: TransportFacts,
): AuxctlError {
  if (e instanceof AuxctlError) return e;
  if (isStatusLike(e)) {
    const raw = e.details || e.message || 'no details';
    const details = e.code === status.UNAVAILABLE ? explainTransport(raw, transport) : raw;
    return new AuxctlError(grpcCodeName(e.code), details, { grpcCode: e.code, cause: e, context });
  }
  const details = e instanceof Error ? e.message : String(e);
  return new AuxctlError('UNKNOWN', details, { cause: e, context });
}
