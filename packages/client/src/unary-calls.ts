/**
 * UnaryCalls: the one way AuxctlClient and its call groups (sf-calls.ts,
 * pci-calls.ts, vdpa-calls.ts, simulator-calls.ts, migration-calls.ts)
 * call auxctld over the client's channel.
 *
 * A unary call gets a local deadline timer that cancels it, not a gRPC
 * deadline: grpc-timeout changes with every call, so HPACK sends it
 * literally and both ends set up deadline timers for it, which cost a small
 * call about a fifth of its latency. Cancelling ends the call on the server
 * just the same (it sees the stream reset). Every failure becomes an
 * AuxctlError naming the call and the host.
 *
 * Owns: the deadline, the closed state, and the generated clients of the
 * services other than CtlService (service-clients.ts). Never: retries a
 * call (an Exec is not idempotent), or starts one after close().
 */
import {
  type CallOptions,
  type Channel,
  type ChannelCredentials,
  type ClientUnaryCall,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { AuxctlError, toAuxctlError } from './auxctl-error.js';
import { type ServiceClientMap, ServiceClients, type ServiceName } from './service-clients.js';
import type { TransportFacts } from './transport-failure.js';

/** Callback: a generated client's unary callback. */
export type Callback<R> = (error: ServiceError | null, response: R) => void;

/** StartCall: start one unary call of the generated client `svc`. */
export type StartCall<S, R> = (
  svc: S,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: Callback<R>,
) => ClientUnaryCall;

/** answered: the one thing an answer must carry; INTERNAL when the server sent none. */
export function answered<T>(what: string, thing: string, value: T | undefined): T {
  if (value === undefined) throw new AuxctlError('INTERNAL', `${what} answered without ${thing}`);
  return value;
}

/** UnaryCalls: see the module header. */
export class UnaryCalls {
  readonly #services: ServiceClients;
  #closed = false;

  constructor(
    readonly address: string,
    credentials: ChannelCredentials,
    channel: Channel,
    readonly transport: TransportFacts,
    private readonly deadlineMs: number,
  ) {
    this.#services = new ServiceClients(address, credentials, channel);
  }

  /** close: every call after this fails with UNAVAILABLE (the owner closes the channel). */
  close(): void {
    this.#closed = true;
  }

  /** service: the generated client of `name`, its code loaded on first use. */
  service<K extends ServiceName>(name: K): Promise<ServiceClientMap[K]> {
    return this.#services.get(name);
  }

  /** failure: `e` as the AuxctlError of `what` on this host. */
  failure(e: unknown, what: string): AuxctlError {
    return toAuxctlError(e, `${what} on ${this.address}`, this.transport);
  }

  /** unary: one call that `start` makes, under the deadline (see the module header). */
  unary<R>(
    what: string,
    start: (md: Metadata, opts: Partial<CallOptions>, cb: Callback<R>) => ClientUnaryCall,
  ): Promise<R> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(
          new AuxctlError('UNAVAILABLE', 'the client was closed; connect again', { context: what }),
        );
        return;
      }
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      try {
        const call = start(new Metadata(), {}, (error, response) => {
          clearTimeout(timer);
          if (timedOut) {
            reject(
              new AuxctlError('DEADLINE_EXCEEDED', `no answer within ${this.deadlineMs} ms`, {
                grpcCode: status.DEADLINE_EXCEEDED,
                context: `${what} on ${this.address}`,
              }),
            );
          } else if (error) reject(this.failure(error, what));
          else resolve(response);
        });
        timer = setTimeout(() => {
          timedOut = true;
          call.cancel();
        }, this.deadlineMs);
      } catch (e) {
        clearTimeout(timer);
        reject(this.failure(e, what));
      }
    });
  }

  /** on: a unary call on the generated client of `name` (see unary). */
  async on<K extends ServiceName, R>(
    name: K,
    what: string,
    start: StartCall<ServiceClientMap[K], R>,
  ): Promise<R> {
    const svc = await this.#services.get(name);
    return this.unary(what, (md, o, cb) => start(svc, md, o, cb));
  }
}
