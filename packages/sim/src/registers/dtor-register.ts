/**
 * DTOR (0xc00e, read-only): the default timeouts the simulated device
 * asks its driver to use — the values a ConnectX-6 Dx reports in mlx5ctl's
 * public sample (`reg --id=DTOR`): PCIe toggle 2 s, full crdump 60 s, FW
 * reset 60 s, flush on error 2 s, PCI sync update 2 s, teardown 10 s, FSM
 * reactivate 5 s, reclaim pages 5 s, reclaim VF pages 120 s, and the health
 * poll interval 2 s the sample's bytes carry though the tool does not print
 * it. Reset-unload is 0 there, as in the sample.
 *
 * Owns: those values. Never: acts on them (the driver's business).
 */
import { DtorReg, RegisterId, TimeoutMultiplier } from '@auxctl/prm';
import type { RegisterHandler, RegisterRequest } from './register-handler.js';

const sec = (to_value: number) => ({ to_multiplier: TimeoutMultiplier.SEC, to_value });

/** DTOR_TIMEOUTS: the register's fields (see the module header). */
export const DTOR_TIMEOUTS = {
  pcie_toggle_to: sec(2),
  health_poll_to: sec(2),
  full_crdump_to: sec(60),
  fw_reset_to: sec(60),
  flush_on_err_to: sec(2),
  pci_sync_update_to: sec(2),
  tear_down_to: sec(10),
  fsm_reactivate_to: sec(5),
  reclaim_pages_to: sec(5),
  reclaim_vfs_pages_to: sec(120),
} as const;

/** DtorRegister: the DTOR handler. */
export class DtorRegister implements RegisterHandler {
  readonly id = RegisterId.DTOR;
  readonly name = 'DTOR';
  readonly read = true;
  readonly write = false;
  readonly cap = 0;
  readonly inBytes = DtorReg.bytes;
  readonly outBytes = DtorReg.bytes;

  handle(req: RegisterRequest): void {
    DtorReg.write(req.out, DTOR_TIMEOUTS);
  }

  reset(): void {}
}
