import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { DeviceRegistry, type RegistryEvent } from './device-registry.js';

interface Dev {
  readonly name: string;
}

/** TestRegistry: exposes the protected lookup. */
class TestRegistry extends DeviceRegistry<Dev> {
  find(name: string): Dev {
    return this.lookup(name);
  }
}

function registry(existsHint?: string): TestRegistry {
  return new TestRegistry({
    noun: 'widget',
    lookupHint: 'names() lists the registered ones',
    ...(existsHint === undefined ? {} : { existsHint }),
  });
}

describe('DeviceRegistry', () => {
  it('adds devices in order and finds them by name', () => {
    const r = registry();
    const a = { name: 'a' };
    const b = { name: 'b' };
    r.add(a);
    r.add(b);
    expect(r.names()).toEqual(['a', 'b']);
    expect(r.get('a')).toBe(a);
    expect(r.get('c')).toBeUndefined();
    expect(r.find('b')).toBe(b);
  });

  it('refuses a duplicate name with EEXIST, with and without a hint', () => {
    const r = registry();
    r.add({ name: 'a' });
    expect(() => r.add({ name: 'a' })).toThrow(
      expect.objectContaining({ code: 'EEXIST', message: 'widget a is already registered' }),
    );
    const h = registry('name them apart');
    h.add({ name: 'a' });
    expect(() => h.add({ name: 'a' })).toThrow(
      expect.objectContaining({
        code: 'EEXIST',
        message: 'widget a is already registered; name them apart',
      }),
    );
    expect(r.names()).toEqual(['a']);
  });

  it('announces additions and removals', () => {
    const r = registry();
    const events: RegistryEvent[] = [];
    r.events.subscribe((e) => events.push(e));
    const a = { name: 'a' };
    r.add(a);
    expect(r.remove(a)).toBe(true);
    expect(events).toEqual([
      { type: 'added', device: 'a' },
      { type: 'removed', device: 'a' },
    ]);
  });

  it('removes only the registered device itself', () => {
    const r = registry();
    const a = { name: 'a' };
    r.add(a);
    expect(r.remove({ name: 'a' })).toBe(false);
    expect(r.names()).toEqual(['a']);
    expect(r.remove(a)).toBe(true);
    expect(r.remove(a)).toBe(false);
    expect(r.names()).toEqual([]);
  });

  it('fails a lookup of an unknown name with ENODEV, escaping the name', () => {
    const r = registry();
    let err: unknown;
    try {
      r.find('x\n');
    } catch (e) {
      err = e;
    }
    expect(isAuxError(err, 'ENODEV')).toBe(true);
    expect((err as Error).message).toBe('no widget x\\n; names() lists the registered ones');
  });
});
