/**
 * Frame and MTU rules of an Ethernet netdev on this device, as mlx5e
 * applies them: the software MTU is the L3 payload; the port's hardware MTU
 * (PMTU) adds the L2 header, one VLAN tag and the FCS (14 + 4 + 4 = 22); a
 * frame handed to `xmit` carries the L2 header (and maybe a VLAN tag) but
 * not the FCS, so it may be up to MTU + 18 bytes and at least a header.
 *
 * Owns: the arithmetic and the validation. Never: touches a device.
 */

import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';

/** ETH_HLEN / VLAN_HLEN / ETH_FCS_LEN: L2 header, one 802.1Q tag, frame check sequence. */
export const ETH_HLEN = 14;
export const VLAN_HLEN = 4;
export const ETH_FCS_LEN = 4;

/** MIN_MTU: the smallest MTU mlx5e accepts (IPv4's minimum datagram). */
export const MIN_MTU = 68;

/** HW_MTU_OVERHEAD: hardware MTU minus software MTU (MLX5E_SW2HW_MTU). */
export const HW_MTU_OVERHEAD = ETH_HLEN + VLAN_HLEN + ETH_FCS_LEN;

/** swToHwMtu / hwToSwMtu: convert between the netdev's MTU and the port's. */
export function swToHwMtu(mtu: number): number {
  return mtu + HW_MTU_OVERHEAD;
}

export function hwToSwMtu(hwMtu: number): number {
  return hwMtu - HW_MTU_OVERHEAD;
}

/** maxFrameBytes: the longest frame `xmit` takes at software MTU `mtu` (no FCS). */
export function maxFrameBytes(mtu: number): number {
  return mtu + ETH_HLEN + VLAN_HLEN;
}

/**
 * checkMtu: EINVAL unless `mtu` is an integer in [MIN_MTU, maxMtu]; the
 * message names the range so the caller can pick a valid value.
 */
export function checkMtu(mtu: unknown, maxMtu: number): number {
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < MIN_MTU || mtu > maxMtu) {
    throw new AuxError(
      'EINVAL',
      `MTU ${printable(mtu)} is out of range; use an integer from ${MIN_MTU} to ${maxMtu}`,
    );
  }
  return mtu;
}

/**
 * checkFrame: EINVAL unless `frame` is a Buffer of ETH_HLEN ..
 * maxFrameBytes(mtu) bytes. Link and ring conditions are not checked here:
 * those are drops, not errors.
 */
export function checkFrame(frame: unknown, mtu: number): Buffer {
  if (!Buffer.isBuffer(frame)) {
    throw new AuxError('EINVAL', 'xmit takes a Buffer holding one Ethernet frame');
  }
  const max = maxFrameBytes(mtu);
  if (frame.length < ETH_HLEN || frame.length > max) {
    throw new AuxError(
      'EINVAL',
      `a ${frame.length}-byte frame does not fit MTU ${mtu}; send ${ETH_HLEN} to ${max} bytes or raise the MTU`,
    );
  }
  return frame;
}

/** IFNAMSIZ: Linux interface names are at most 15 characters (plus the NUL). */
export const IFNAMSIZ = 16;

/**
 * checkIfName: EINVAL unless `name` is a valid interface name as Linux's
 * dev_valid_name() says: 1..15 characters, not `.` or `..`, no `/`, `:`
 * or whitespace.
 */
export function checkIfName(name: unknown): string {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length >= IFNAMSIZ ||
    name === '.' ||
    name === '..' ||
    /[/:\s]/u.test(name) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    /[\u0000-\u001f\u007f]/u.test(name)
  ) {
    throw new AuxError(
      'EINVAL',
      `interface name "${printable(name)}" is invalid; use 1-15 characters without '/', ':' or spaces`,
    );
  }
  return name;
}
