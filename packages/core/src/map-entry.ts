/**
 * mapEntry: a Map's value for a key, made and added first when there is
 * none — the step of every cache or table kept in maps nested by the parts
 * of a key (looking each part up as the string a caller already holds,
 * rather than joining the parts into one key to hash on every call).
 *
 * Owns: that step. Never: when entries go (the map's owner).
 */

/** mapEntry: `map`'s value for `key`, `make()` added first when it has none. */
export function mapEntry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
