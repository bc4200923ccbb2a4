/**
 * layoutFields: every named field of a PRM structure in a buffer, as the
 * rows a decoded table prints — `name value`, nested structures as
 * `outer.inner`, arrays as `name[i]`, byte fields in hex, 64-bit values
 * exactly (bigint). Reserved fields are left out, as mlx5ctl's pretty
 * output leaves them. The layouts are prm's, the ones the drivers and the
 * device use; the CLI keeps no field table of its own.
 *
 * Owns: flattening. Never: which layout a command's bytes are (its caller).
 */
import type { LayoutLike } from '@auxctl/prm';

/** FieldValue: what a row holds. */
export type FieldValue = number | bigint | string;

/** layoutFields: the rows of `layout` at `base` in `buf` (see the module header). */
export function layoutFields(
  layout: LayoutLike,
  buf: Buffer,
  base = 0,
): Array<[string, FieldValue]> {
  const rows: Array<[string, FieldValue]> = [];
  flatten('', layout.decode(buf, base), rows);
  return rows;
}

function flatten(prefix: string, v: unknown, rows: Array<[string, FieldValue]>): void {
  if (typeof v === 'number' || typeof v === 'bigint') {
    rows.push([prefix, v]);
  } else if (Buffer.isBuffer(v)) {
    rows.push([prefix, v.toString('hex')]);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => {
      flatten(`${prefix}[${i}]`, x, rows);
    });
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}.${k}` : k, x, rows);
  }
}

/** fieldsText: the rows as aligned `name  value` lines (values in decimal, 0x-hex past 9). */
export function fieldsText(rows: ReadonlyArray<[string, FieldValue]>): string[] {
  const width = Math.max(0, ...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${k.padEnd(width)}${showValue(v)}`);
}

/** fieldsJson: the rows as an object (bigints as decimal strings, JSON has no 64-bit integers). */
export function fieldsJson(
  rows: ReadonlyArray<[string, FieldValue]>,
): Record<string, number | string> {
  return Object.fromEntries(rows.map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
}

function showValue(v: FieldValue): string {
  if (typeof v === 'string') return v;
  return v > 9 ? `${v} (0x${v.toString(16)})` : String(v);
}
