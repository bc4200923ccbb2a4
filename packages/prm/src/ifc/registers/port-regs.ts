/**
 * Port registers a netdev needs for open/stop and MTU, through ACCESS_REG:
 * PAOS (0x5006, port administrative and operational status) and PMTU
 * (0x5003, port MTU), mlx5_ifc.h names and offsets.
 *
 * PAOS: writing `admin_status` takes effect only with `ase` (admin state
 * update enable) set, as mlx5_set_port_admin_status does. PMTU: values
 * are hardware MTUs, the largest frame the port passes with its FCS (mlx5e
 * writes the software MTU + 14 header + 4 VLAN + 4 FCS bytes).
 *
 * Owns: layouts and status values only.
 */
import { defineLayout } from '../../layout/layout.js';

/** PortStatus: PAOS `admin_status` / `oper_status` (MLX5_PORT_UP / _DOWN). */
export const PortStatus = { UP: 1, DOWN: 2, UP_ONCE: 3, DISABLED: 4 } as const;

/** PaosReg: `paos_reg_bits` (16 bytes). */
export const PaosReg = defineLayout('paos_reg', {
  swid: 8,
  local_port: 8,
  reserved_at_10: 4,
  admin_status: 4,
  reserved_at_18: 4,
  oper_status: 4,
  ase: 1,
  ee: 1,
  reserved_at_22: 0x1c,
  e: 2,
  reserved_at_40: 64,
});

/** PmtuReg: `pmtu_reg_bits` (16 bytes). */
export const PmtuReg = defineLayout('pmtu_reg', {
  reserved_at_0: 8,
  local_port: 8,
  reserved_at_10: 16,
  max_mtu: 16,
  reserved_at_30: 16,
  admin_mtu: 16,
  reserved_at_50: 16,
  oper_mtu: 16,
  reserved_at_70: 16,
});
