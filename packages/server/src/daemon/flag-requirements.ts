/**
 * Flag requirements: auxctld flags that only mean something next to another
 * one (`--bearer-issuer` without `--bearer-key`, `--anonymous-principal`
 * without `--insecure`). Given alone they would be ignored while the user
 * believes them in force, so auxctld refuses to start instead.
 *
 * Owns the table of which flag needs which. Never: parsing values
 * (option-values.ts) or reading files.
 */

/** FlagRequirement: `flag` (its commander attribute name) is refused unless `needs` is given. */
export interface FlagRequirement {
  readonly flag: string;
  readonly needs: string;
}

/** FLAG_REQUIREMENTS: one row per flag that depends on another. */
export const FLAG_REQUIREMENTS: readonly FlagRequirement[] = [
  { flag: 'bearerAlgorithms', needs: 'bearerKey' },
  { flag: 'bearerIssuer', needs: 'bearerKey' },
  { flag: 'bearerAudience', needs: 'bearerKey' },
  { flag: 'bearerClockTolerance', needs: 'bearerKey' },
  { flag: 'anonymousPrincipal', needs: 'insecure' },
  { flag: 'fwctlKernelDouble', needs: 'source' },
  { flag: 'fwctlSysfsRoot', needs: 'source' },
  { flag: 'fwctlDevRoot', needs: 'source' },
  { flag: 'fwctlProcRoot', needs: 'source' },
  { flag: 'fwctlPoll', needs: 'source' },
  { flag: 'devlink', needs: 'source' },
];

/** flagName: a commander attribute name as the user types it (`bearerKey` -> `--bearer-key`). */
export function flagName(attribute: string): string {
  return `--${attribute.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * unmetRequirements: the message for each row of `table` whose flag was
 * given (`given(name)`) without the flag it needs; empty when all is well.
 */
export function unmetRequirements(
  given: (attribute: string) => boolean,
  table: readonly FlagRequirement[] = FLAG_REQUIREMENTS,
): string[] {
  return table
    .filter((r) => given(r.flag) && !given(r.needs))
    .map((r) => `${flagName(r.flag)} needs ${flagName(r.needs)} (alone it would be ignored)`);
}
