/**
 * Credentials: who opens a ctl context and what their privileges grant.
 *
 * A caller is a principal (a user, a certificate subject) with Linux-style
 * capabilities. As in the mlx5ctl driver, the capabilities decide the
 * firmware capabilities of the context's uctx:
 *
 * | privilege  | uctx capability                 |
 * |------------|---------------------------------|
 * | net_raw    | RAW_TX (0x1)                    |
 * | sys_rawio  | INTERNAL_DEVICE_RESOURCES (0x2) |
 * | sys_admin  | TOOLS_RESOURCES (0x4)           |
 *
 * each only when the device offers it (`uctx_cap`). sys_rawio also allows
 * the DEBUG_WRITE_FULL scope.
 *
 * Owns: validation and the privilege -> capability map. Never: opens anything.
 */
import { AuxError, UctxCap } from '@auxctl/prm';

/** CtlPrivileges: the capabilities of a caller that matter to the ctl driver. */
export interface CtlPrivileges {
  readonly net_raw?: boolean;
  readonly sys_rawio?: boolean;
  readonly sys_admin?: boolean;
}

/** CtlCredentials: what `open` needs to know about the caller. */
export interface CtlCredentials {
  /** Who the caller is, for the audit log: 1-256 printable characters. */
  readonly principal: string;
  readonly caps?: CtlPrivileges;
}

/** PRIVILEGE_CAPS: the uctx capability each privilege grants. */
export const PRIVILEGE_CAPS: Readonly<Record<keyof CtlPrivileges, number>> = {
  net_raw: UctxCap.RAW_TX,
  sys_rawio: UctxCap.INTERNAL_DEVICE_RESOURCES,
  sys_admin: UctxCap.TOOLS_RESOURCES,
};

const PRINCIPAL = /^[\x21-\x7e](?:[\x20-\x7e]{0,254}[\x21-\x7e])?$/;

/**
 * checkCredentials: a frozen copy of `creds` with every privilege a
 * boolean; EINVAL for a missing or unprintable principal, an unknown
 * privilege name or a non-boolean value.
 */
export function checkCredentials(creds: unknown): Required<CtlCredentials> & {
  readonly caps: Required<CtlPrivileges>;
} {
  if (typeof creds !== 'object' || creds === null) {
    throw new AuxError('EINVAL', 'credentials must be { principal, caps? }');
  }
  const c = creds as { principal?: unknown; caps?: unknown };
  if (typeof c.principal !== 'string' || !PRINCIPAL.test(c.principal)) {
    throw new AuxError(
      'EINVAL',
      'credentials.principal must be 1-256 printable ASCII characters without surrounding spaces',
    );
  }
  const caps = { net_raw: false, sys_rawio: false, sys_admin: false };
  if (c.caps !== undefined) {
    if (typeof c.caps !== 'object' || c.caps === null) {
      throw new AuxError('EINVAL', 'credentials.caps must be an object of booleans');
    }
    for (const [k, v] of Object.entries(c.caps)) {
      if (!(k in caps)) {
        throw new AuxError(
          'EINVAL',
          `unknown privilege '${k}'; use net_raw, sys_rawio or sys_admin`,
        );
      }
      if (v !== undefined && typeof v !== 'boolean') {
        throw new AuxError('EINVAL', `credentials.caps.${k} must be a boolean`);
      }
      caps[k as keyof typeof caps] = v === true;
    }
  }
  return Object.freeze({ principal: c.principal, caps: Object.freeze(caps) });
}

/** privilegeCaps: the uctx capabilities `caps` grant, before the device gates them (`ucap`). */
export function privilegeCaps(caps: CtlPrivileges): number {
  let bits = 0;
  for (const [k, bit] of Object.entries(PRIVILEGE_CAPS)) {
    if (caps[k as keyof CtlPrivileges] === true) bits |= bit;
  }
  return bits;
}
