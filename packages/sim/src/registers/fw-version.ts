/**
 * rawFwVersion: a `xx.yy.zzzz` firmware version as firmware reports it in
 * a 32-bit field: major << 24 | minor << 16 | subminor (subminor in the
 * low 16 bits, as the health buffer's `fw_ver`).
 *
 * Parts that are missing or not numbers count as 0 and each part is
 * truncated to its width, so any identity string gives a defined value.
 */
export function rawFwVersion(version: string): number {
  const [major, minor, sub] = version.split('.').map((p) => Number.parseInt(p, 10));
  const part = (v: number | undefined, mask: number) =>
    v === undefined || !Number.isFinite(v) || v < 0 ? 0 : v & mask;
  return ((part(major, 0xff) << 24) | (part(minor, 0xff) << 16) | part(sub, 0xffff)) >>> 0;
}
