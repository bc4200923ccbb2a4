import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { callPath, type FunctionCount, PathCounter } from './call-path.js';

const url = fc.constantFrom(
  'file:///w/packages/server/dist/a.js',
  'file:///w/proto/dist/exec-codec.js',
  'file:///w/node_modules/@grpc/grpc-js/build/src/server.js',
  'node:internal/http2/core',
);
const counts = fc.array(
  fc.record({ url, name: fc.string(), count: fc.integer({ min: 1, max: 10_000 }) }),
  { maxLength: 60 },
);

describe('callPath', () => {
  it('property: the functions run at least once per call, their calls per call, and which are own', () => {
    fc.assert(
      fc.property(counts, fc.integer({ min: 1, max: 2_000 }), (fs, calls) => {
        const on = fs.filter((f) => f.count >= calls);
        expect(callPath(fs, calls)).toEqual({
          functions: on.length,
          calls: on.reduce((a, f) => a + f.count, 0) / calls,
          own: on.filter((f) => f.url.includes('/packages/') || f.url.includes('/proto/')).length,
        });
      }),
    );
  });

  it('property: a count over no calls (or a fraction of one) is refused', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ max: 0 }), fc.double({ noInteger: true }), fc.constant(Number.NaN)),
        (calls) => {
          expect(() => callPath([], calls)).toThrow(RangeError);
        },
      ),
    );
  });
});

describe('PathCounter', () => {
  it('counts the calls of a function made between start and take', async () => {
    function counted(x: number): number {
      return x + 1;
    }
    const c = new PathCounter();
    await c.start();
    let sum = 0;
    for (let i = 0; i < 300; i++) sum = counted(sum);
    const fs: FunctionCount[] = await c.take();
    expect(sum).toBe(300);
    const mine = fs.find((f) => f.name === 'counted');
    expect(mine?.count).toBe(300);
    expect(callPath(fs, 300).functions).toBeGreaterThanOrEqual(1);
    await expect(c.take()).rejects.toThrow(/no count was started/);
  });
});
