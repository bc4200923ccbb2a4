/**
 * FirmwareEngine: the command processor inside the simulated device.
 *
 * The device's transport (`SimDevice`: queue entries, mailboxes, doorbells,
 * completions, latency) is kept apart from what firmware does with a
 * command. The transport gathers an intact inbox and hands it here; the
 * engine answers with an outbox; the transport scatters it back. A direct
 * call of `execute` is therefore "the firmware handler without the queue",
 * the baseline the queue's cost is measured against.
 */
import type { Doorbell, EventInterrupt, SubFunctionHost, VirtualFunctionHost } from '@auxctl/prm';

/** FirmwareEngine: executes commands and keeps the health buffer. */
export interface FirmwareEngine {
  /**
   * execute: run one command. `inbox` is the whole input (header + payload,
   * at least 16 bytes as delivered); the result is exactly `outLen` bytes
   * (`outLen` >= 16) with status and syndrome in its header. Never throws:
   * malformed input gets a defined status and syndrome.
   */
  execute(inbox: Buffer, outLen: number): Buffer;
  /** halted: true after a fatal error; a halted engine answers nothing. */
  readonly halted: boolean;
  /** readHealth: a fresh copy of the health buffer (ifc/health.ts `HealthBuffer`). */
  readHealth(): Buffer;
  /** healthCounter: increments while firmware runs; stops when it is halted. */
  healthCounter(): number;
  /** reset: back to the pre-ENABLE_HCA state; every object freed; a halted engine runs again. */
  reset(): void;
  /**
   * injectFatal: (fault injection, optional) assert with health syndrome
   * `synd` (and `extSynd`): record it in the health buffer, stop the health
   * counter and halt. Reached through `SimDevice.faults.fatal()`.
   */
  injectFatal?(synd: number, extSynd?: number): void;
  /**
   * forceStatus: (fault injection, optional) the next `count` commands of
   * `opcode` (Infinity: all, until cleared) fail with `status` / `syndrome`
   * without running. Reached
   * through `SimDevice.faults.forceStatus()`.
   */
  forceStatus?(opcode: number, status: number, syndrome: number, count: number): void;
  /** clearFaults: (optional) forget pending forced statuses (a fatal error stays until reset). */
  clearFaults?(): void;
  /** readCrdump: (optional) the core dump as the crspace gateway reads it; works while halted. */
  readCrdump?(): Buffer;
  /** ringDoorbell: (optional, the data path) see DeviceBackend.ringDoorbell. */
  ringDoorbell?(db: Doorbell): void;
  /** attachEvents / detachEvents: (optional) the interrupt handler, see DeviceBackend. */
  attachEvents?(onInterrupt: EventInterrupt): void;
  detachEvents?(): void;
  /** subFunctions: (optional) the sub-functions this function hosts (see DeviceBackend). */
  readonly subFunctions?: SubFunctionHost;
  /** virtualFunctions: (optional) the SR-IOV VFs this function hosts (see DeviceBackend). */
  readonly virtualFunctions?: VirtualFunctionHost;
}
