/**
 * MAC addresses as a netdev handles them: parsing the `aa:bb:cc:dd:ee:ff`
 * form (printing it is core's formatHwAddr, re-exported as formatMac), the
 * checks `ip link set address` applies, and the address a function gets
 * when firmware has none (like eth_hw_addr_random, but derived from the
 * function's identity so the same function always gets the same address).
 *
 * Owns: address arithmetic. Never: programs a device.
 */
import { createHash } from 'node:crypto';
import { printable } from '@auxctl/core';
import { AuxError, type DeviceIdentity } from '@auxctl/prm';

/** formatMac: `aa:bb:cc:dd:ee:ff` (core's formatHwAddr). */
export { formatHwAddr as formatMac } from '@auxctl/core';

/** parseMac: a 6-byte Buffer from `aa:bb:cc:dd:ee:ff` (or `-` separators); EINVAL otherwise. */
export function parseMac(text: unknown): Buffer {
  if (typeof text !== 'string' || !/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/u.test(text)) {
    throw new AuxError(
      'EINVAL',
      `"${printable(text)}" is not a MAC address; write six hex pairs like 02:00:00:00:00:01`,
    );
  }
  return Buffer.from(text.replace(/[:-]/gu, ''), 'hex');
}

/** isZeroMac / isMulticastMac: the address classes a unicast interface address may not be. */
export function isZeroMac(mac: Buffer): boolean {
  return mac.every((b) => b === 0);
}

export function isMulticastMac(mac: Buffer): boolean {
  return ((mac[0] ?? 0) & 1) === 1;
}

/** checkUnicastMac: EINVAL unless `mac` is 6 bytes, not zero and not multicast (is_valid_ether_addr). */
export function checkUnicastMac(mac: unknown): Buffer {
  const m = typeof mac === 'string' ? parseMac(mac) : mac;
  if (!Buffer.isBuffer(m) || m.length !== 6 || isZeroMac(m) || isMulticastMac(m)) {
    throw new AuxError(
      'EINVAL',
      'an interface address must be 6 bytes, non-zero and unicast (first octet even)',
    );
  }
  return Buffer.from(m);
}

/** identityMac: a locally administered unicast address derived from the function's identity. */
export function identityMac(id: Pick<DeviceIdentity, 'bdf' | 'serial'>): Buffer {
  const h = createHash('sha256').update(`${id.serial}/${id.bdf}`).digest();
  const mac = Buffer.from(h.subarray(0, 6));
  mac[0] = ((mac[0] ?? 0) & 0xfc) | 0x02;
  return mac;
}
