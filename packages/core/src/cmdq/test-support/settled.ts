import type { AuxError } from '@auxctl/prm';

/** settled: observe a promise without awaiting it (fake timers drive time). */
export function settled<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: AuxError } = { done: false };
  p.then(
    (value) => Object.assign(s, { done: true, value }),
    (error: AuxError) => Object.assign(s, { done: true, error }),
  );
  return s;
}
