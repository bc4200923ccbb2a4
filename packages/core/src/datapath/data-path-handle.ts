/**
 * DataPathHandle: what the ring classes need of a core device: commands,
 * DMA memory, doorbells, completion vectors and the CQ handler table.
 * `CoreHandle` is one; tests may pass their own.
 */

import type { DmaSpace, Doorbell } from '@auxctl/prm';
import type { CommandExecutor } from '../device/firmware-commands.js';

/** DataPathHandle: see the module header. */
export interface DataPathHandle extends CommandExecutor {
  readonly dma: DmaSpace;
  /** openDataPath: set up the device's event queues if needed (idempotent). */
  openDataPath(): Promise<void>;
  ringDoorbell(db: Doorbell): void;
  compEqn(vector?: number): number;
  onCompletion(cqn: number, fn: (cqn: number) => void): () => void;
}
