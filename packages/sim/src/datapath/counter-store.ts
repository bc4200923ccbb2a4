/**
 * Counter stores: the firmware keeps port counters (PPCNT) as a map from
 * PRM counter name to a 64-bit value; absent names read 0.
 */

/** bump: add `by` to counter `name` of `store` (nothing when there is no store). */
export function bump(store: Map<string, bigint> | undefined, name: string, by = 1): void {
  if (store) store.set(name, (store.get(name) ?? 0n) + BigInt(by));
}
