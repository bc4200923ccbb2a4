/**
 * DTOR (register 0xc00e): the default timeouts the firmware asks the
 * driver to use, each a `default_timeout` (3-bit multiplier: 0 = ms,
 * 1 = s, 2 = min, 3 = h; 20-bit value). Layout as mlx5_ifc's `dtor_reg`;
 * mlx5ctl's public sample (`reg --id=DTOR`) decodes with it, which a test
 * checks byte for byte.
 *
 * Owns: the layout and the multiplier table.
 */
import { defineLayout } from '../../layout/layout.js';

/** DefaultTimeout: `default_timeout` (one dword). */
export const DefaultTimeout = defineLayout('default_timeout', {
  to_multiplier: 3,
  reserved_at_3: 9,
  to_value: 20,
});

/** TimeoutMultiplier: `to_multiplier` values (mlx5's MLX5_TO_*_MULTIPLIER order). */
export const TimeoutMultiplier = { MS: 0, SEC: 1, MIN: 2, HOURS: 3 } as const;

/** DtorReg: `dtor_reg`, 64 bytes. */
export const DtorReg = defineLayout('dtor_reg', {
  reserved_at_0: 32,
  pcie_toggle_to: { struct: DefaultTimeout },
  reserved_at_40: 0x60,
  health_poll_to: { struct: DefaultTimeout },
  full_crdump_to: { struct: DefaultTimeout },
  fw_reset_to: { struct: DefaultTimeout },
  flush_on_err_to: { struct: DefaultTimeout },
  pci_sync_update_to: { struct: DefaultTimeout },
  tear_down_to: { struct: DefaultTimeout },
  fsm_reactivate_to: { struct: DefaultTimeout },
  reclaim_pages_to: { struct: DefaultTimeout },
  reclaim_vfs_pages_to: { struct: DefaultTimeout },
  reset_unload_to: { struct: DefaultTimeout },
  reserved_at_1e0: 32,
});
