/**
 * NODE_DESC (register 0x6001): the node description a device reports, 64
 * bytes of ASCII padded with NULs (the InfiniBand NodeDescription, which
 * mlx5 also answers on Ethernet). mlx5ctl's public sample reads "MT4125
 * ConnectX6Dx Mellanox Technologies" from a ConnectX-6 Dx.
 *
 * Owns: the layout and its text reading.
 */
import { defineLayout } from '../../layout/layout.js';

/** NODE_DESC_BYTES: the description's length. */
export const NODE_DESC_BYTES = 64;

/** NodeDescReg: `node_desc_reg`. */
export const NodeDescReg = defineLayout('node_desc_reg', {
  node_description: { bytes: NODE_DESC_BYTES },
});

/** nodeDescText: the description as text (up to its first NUL). */
export function nodeDescText(description: Buffer): string {
  const end = description.indexOf(0);
  return description.subarray(0, end < 0 ? description.length : end).toString('latin1');
}
