import { Device, DeviceServiceService, type ListDevicesRequest } from '@auxctl/proto';
import { type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuxctlError } from './auxctl-error.js';
import { fanOut } from './fan-out.js';
import { grpcError, startTestServer, type TestServer } from './test-support/test-server.js';

describe('fanOut over real hosts', () => {
  const hosts: TestServer[] = [];
  let inFlight = 0;
  let peak = 0;

  beforeAll(async () => {
    for (let i = 0; i < 5; i++) {
      const handlers = {
        listDevices(
          _call: ServerUnaryCall<ListDevicesRequest, unknown>,
          cb: sendUnaryData<unknown>,
        ) {
          // Answer on a later turn so that overlapping calls really overlap.
          setImmediate(() => {
            if (i === 2) cb(grpcError(status.UNAVAILABLE, 'host 2 is draining'), null);
            else cb(null, { devices: [Device.fromPartial({ name: `0000:0${i}:00.0`, id: i })] });
          });
        },
      };
      hosts.push(await startTestServer([{ definition: DeviceServiceService, handlers }]));
    }
  });
  afterAll(async () => {
    await Promise.all(hosts.map((h) => h.stop()));
  });

  it('runs 5 hosts two at a time and reports each in input order, the failure included', async () => {
    const byAddress = new Map(hosts.map((h) => [h.address, h]));
    let tick = 0;
    const results = await fanOut(
      hosts.map((h) => h.address),
      async (address) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        try {
          return (await byAddress.get(address)?.client.listDevices())?.map((d) => d.name);
        } finally {
          inFlight--;
        }
      },
      { concurrency: 2, now: () => tick++ },
    );
    expect(peak).toBe(2);
    expect(results.map((r) => r.host)).toEqual(hosts.map((h) => h.address));
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true, true]);
    expect(results[0]).toMatchObject({ ok: true, value: ['0000:00:00.0'] });
    expect(results[4]).toMatchObject({ ok: true, value: ['0000:04:00.0'] });
    const failed = results[2];
    expect(failed?.ok).toBe(false);
    if (failed?.ok === false) {
      expect(failed.error).toBeInstanceOf(AuxctlError);
      expect(failed.error).toMatchObject({ code: 'UNAVAILABLE', details: 'host 2 is draining' });
    }
    for (const r of results) expect(r.ms).toBeGreaterThan(0);
  });
});

describe('fanOut properties', () => {
  it('never exceeds the bound, keeps input order, and records every failure', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ fail: fc.boolean(), turns: fc.nat(3) }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 6 }),
        async (plan, concurrency) => {
          let inFlight = 0;
          let peak = 0;
          const hosts = plan.map((_, i) => `h${i}`);
          const results = await fanOut(
            hosts,
            async (_host, i) => {
              inFlight++;
              peak = Math.max(peak, inFlight);
              const step = plan[i] as { fail: boolean; turns: number };
              for (let t = 0; t < step.turns; t++) await new Promise((r) => setImmediate(r));
              inFlight--;
              if (step.fail) throw new Error(`boom ${i}`);
              return i;
            },
            { concurrency, now: () => 0 },
          );
          expect(peak).toBeLessThanOrEqual(concurrency);
          expect(results.map((r) => r.host)).toEqual(hosts);
          results.forEach((r, i) => {
            expect(r.ok).toBe(!(plan[i] as { fail: boolean }).fail);
            if (r.ok) expect(r.value).toBe(i);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses a concurrency that is not a positive integer', async () => {
    for (const c of [0, -1, 1.5, Number.NaN]) {
      await expect(fanOut(['a'], async () => 1, { concurrency: c })).rejects.toThrow(RangeError);
    }
  });
});
