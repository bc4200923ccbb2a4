/**
 * seededRandom: a small deterministic PRNG (mulberry32) so a lossy wire
 * drops the same frames on every run with the same seed.
 */

/** seededRandom: a generator of floats in [0, 1) determined by `seed`. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
