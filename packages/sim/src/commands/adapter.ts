/**
 * Identity and liveness: QUERY_ADAPTER (0x101) and NOP (0x80d).
 *
 * QUERY_ADAPTER reports the board from the device identity: Mellanox's OUI,
 * the PCI vendor id, a vendor-specific text (`vsd`: PCI address and serial)
 * and the PSID in `vsd_contd_psid`, which Linux shows as the board id. Any
 * uid may send either command once the HCA is enabled; NOP works in every
 * state, which makes it the cheapest probe of the command path.
 *
 * Owns: the handlers only.
 */
import {
  MELLANOX_OUI,
  NopIn,
  NopOut,
  Op,
  QueryAdapterIn,
  QueryAdapterOut,
  QueryAdapterParamBlock,
} from '@auxctl/prm';
import { ALWAYS, type CommandSpec, ENABLED } from './command.js';

/** ascii: `s` as bytes, cut to `max` so it fits a fixed PRM string field. */
const ascii = (s: string, max: number) => Buffer.from(s, 'latin1').subarray(0, max);

/** adapterCommands: see the module header. */
export const adapterCommands: readonly CommandSpec[] = [
  {
    opcode: Op.QUERY_ADAPTER,
    in: QueryAdapterIn,
    out: QueryAdapterOut,
    opMods: [0],
    states: ENABLED,
    access: 'any',
    run: (fw, { outbox }) => {
      const id = fw.identity;
      QueryAdapterParamBlock.write(
        outbox,
        {
          ieee_vendor_id: MELLANOX_OUI,
          vsd_vendor_id: id.vendorId,
          vsd: ascii(`${id.bdf} SN ${id.serial}`, 208),
          vsd_contd_psid: ascii(id.psid, 16),
        },
        QueryAdapterOut.byteOffset('query_adapter_struct'),
      );
    },
  },
  {
    opcode: Op.NOP,
    in: NopIn,
    out: NopOut,
    opMods: [0],
    states: ALWAYS,
    access: 'any',
    run: () => {},
  },
];
