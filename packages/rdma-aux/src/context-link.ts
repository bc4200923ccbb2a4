/**
 * ContextLink: what a verbs object (PD, MR, CQ, QP) needs of the context
 * that created it: the core handle and the context's uid for its
 * commands, a liveness check, and the ledger it leaves when destroyed.
 * VerbsObject is the other direction: what the context needs of each
 * object to tear everything down on close or device removal.
 *
 * Owns: the two interfaces only.
 */
import type { CoreHandle, Logger } from '@auxctl/core';
import type { Cqe, DmaSpace } from '@auxctl/prm';
import type { WorkCompletion } from './work-completion.js';

/** VerbsKind: the object types a context owns. */
export type VerbsKind = 'PD' | 'MR' | 'CQ' | 'QP';

/** VerbsObject: an object in a context's ledger. */
export interface VerbsObject {
  readonly kind: VerbsKind;
  /**
   * teardown: destroy the firmware object if the device can still answer,
   * release host memory and handlers in every case, and fail every later
   * call with `gone`. Never rejects.
   */
  teardown(gone: () => Error): Promise<void>;
}

/** CompletionSink: a QP as its CQs see it: turns one of its CQEs into a work completion. */
export interface CompletionSink {
  complete(cqe: Cqe): WorkCompletion;
}

/** ContextLink: see the module header. */
export interface ContextLink {
  readonly h: CoreHandle;
  readonly uid: number;
  /** The device's DMA space, kept so memory can be unmapped after the handle is revoked. */
  readonly dma: DmaSpace;
  readonly log: Logger;
  /** check: throws ENODEV once the context is closed or its device removed. */
  check(): void;
  /** owns: whether `obj` is a live object of this context. */
  owns(obj: VerbsObject): boolean;
  /** forget: take a destroyed object out of the ledger. */
  forget(obj: VerbsObject): void;
  /** qp: the live QP numbered `qpn`, for completions. */
  sink(qpn: number): CompletionSink | undefined;
}
