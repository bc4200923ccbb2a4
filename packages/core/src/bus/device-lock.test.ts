import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { DeviceLock, detached } from './device-lock.js';

/** gate: a promise plus the function that opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe('DeviceLock', () => {
  it('runs operations on one device one at a time, in arrival order', async () => {
    const lock = new DeviceLock('dev');
    const order: string[] = [];
    const g = gate();
    const a = lock.run(async () => {
      order.push('a start');
      await g.wait;
      order.push('a end');
    });
    const b = lock.run(() => {
      order.push('b');
    });
    const c = lock.run(async () => {
      order.push('c');
      return 7;
    });
    await Promise.resolve();
    expect(lock.busy).toBe(true);
    g.open();
    await a;
    await b;
    expect(await c).toBe(7);
    expect(order).toEqual(['a start', 'a end', 'b', 'c']);
    expect(lock.busy).toBe(false);
  });

  it('releases the lock when the operation throws', async () => {
    const lock = new DeviceLock('dev');
    await expect(
      lock.run(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await lock.run(() => 1)).toBe(1);
  });

  it('lets different devices proceed independently', async () => {
    const a = new DeviceLock('a');
    const b = new DeviceLock('b');
    const g = gate();
    const held = a.run(() => g.wait);
    // b is free although a is held: this resolves without opening the gate.
    expect(await b.run(() => 'b ran')).toBe('b ran');
    g.open();
    await held;
  });

  it('refuses a chain that asks for a lock it holds, instead of hanging', async () => {
    const lock = new DeviceLock('mlx.eth.0');
    const other = new DeviceLock('mlx.eth.1');
    const err = await lock
      .run(() => other.run(() => lock.run(() => 'never')))
      .catch((e: unknown) => e);
    expect(isAuxError(err, 'EBUSY')).toBe(true);
    expect(lock.busy).toBe(false);
    expect(other.busy).toBe(false);
  });

  it('knows which locks the calling chain holds', async () => {
    const lock = new DeviceLock('dev');
    expect(lock.heldByCaller()).toBe(false);
    const seen = await lock.run(async () => {
      await Promise.resolve();
      return lock.heldByCaller();
    });
    expect(seen).toBe(true);
    expect(lock.heldByCaller()).toBe(false);
  });

  it('lets work started inside a holder wait normally once detached or after release', async () => {
    const lock = new DeviceLock('dev');
    let later: Promise<string> | undefined;
    let inside: Promise<string> | undefined;
    await lock.run(() => {
      inside = detached(() => lock.run(() => 'detached ran'));
      later = new Promise<void>((r) => setImmediate(r)).then(() => lock.run(() => 'later ran'));
    });
    expect(await inside).toBe('detached ran');
    expect(await later).toBe('later ran');
  });

  it('still detects a chain waiting for itself after every lock was released once', async () => {
    const lock = new DeviceLock('dev');
    // The store is switched off when the last hold ends, and on again by the next run().
    for (let round = 0; round < 3; round++) {
      const err = await lock.run(() => lock.run(() => 'never')).catch((e: unknown) => e);
      expect(isAuxError(err, 'EBUSY')).toBe(true);
      expect(lock.heldByCaller()).toBe(false);
    }
  });
});
