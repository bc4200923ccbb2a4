import { describe, expect, it } from 'vitest';
import { mapEntry } from './map-entry.js';

describe('mapEntry', () => {
  it('adds what make() gives for a missing key, once, and hands back what is there after', () => {
    const m = new Map<string, number[]>();
    let made = 0;
    const make = () => {
      made++;
      return [];
    };
    const a = mapEntry(m, 'a', make);
    a.push(1);
    expect(mapEntry(m, 'a', make)).toBe(a);
    expect(made).toBe(1);
    expect(m.get('a')).toEqual([1]);
    expect(mapEntry(m, 'b', make)).not.toBe(a);
    expect([...m.keys()]).toEqual(['a', 'b']);
  });
});
