import { AuxError, PAGE_SIZE } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ethFrame } from '../testing/eth-frame.js';
import { EthQueues } from '../testing/eth-queues.js';
import { MigrationRig } from '../testing/migration-rig.js';
import { DirtyLog, LOG_MAX_RANGES } from './dirty-log.js';

const P = BigInt(PAGE_SIZE);
const code = (fn: () => void) => {
  try {
    fn();
  } catch (e) {
    return e instanceof AuxError ? e.code : 'other';
  }
  return undefined;
};

describe('DirtyLog', () => {
  it('refuses bad starts: unaligned, overlapping, empty, too many ranges, twice', () => {
    const log = new DirtyLog();
    expect(code(() => log.readAndClear(0n, P))).toBe('EINVAL');
    expect(code(() => log.start([]))).toBe('EINVAL');
    expect(code(() => log.start([{ iova: 1n, length: P }]))).toBe('EINVAL');
    expect(code(() => log.start([{ iova: 0n, length: P }], 1000))).toBe('EINVAL');
    expect(
      code(() =>
        log.start([
          { iova: 0n, length: 2n * P },
          { iova: P, length: P },
        ]),
      ),
    ).toBe('EINVAL');
    const many = Array.from({ length: LOG_MAX_RANGES + 1 }, (_, i) => ({
      iova: BigInt(i) * 2n * P,
      length: P,
    }));
    expect(code(() => log.start(many))).toBe('E2BIG');
    log.start([{ iova: 0n, length: P }]);
    expect(code(() => log.start([{ iova: 0n, length: P }]))).toBe('EBUSY');
    log.stop();
    expect(log.tracking).toBe(false);
  });

  it('reports exactly the written pages inside the ranges, each once until written again (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(40 * PAGE_SIZE), fc.integer({ min: 1, max: 3 * PAGE_SIZE })), {
          maxLength: 20,
        }),
        (writes) => {
          const log = new DirtyLog();
          const ranges = [
            { iova: 4n * P, length: 8n * P },
            { iova: 20n * P, length: 4n * P },
          ];
          log.start(ranges);
          const model = new Set<bigint>();
          for (const [addr, len] of writes) {
            log.note(BigInt(addr), len);
            for (let p = Math.floor(addr / PAGE_SIZE); p * PAGE_SIZE < addr + len; p++) {
              const a = BigInt(p) * P;
              if (ranges.some((r) => a >= r.iova && a < r.iova + r.length)) model.add(a);
            }
          }
          const got = log.readAndClear(0n, 64n * P);
          expect(got).toEqual([...model].sort((x, y) => (x < y ? -1 : 1)));
          expect(log.readAndClear(0n, 64n * P)).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('logs what the device writes for a VF (CQEs, receive buffers), not what it reads', async () => {
    const rig = new MigrationRig();
    const vf = rig.enableVf(1, { mac: '020000000001' });
    rig.pf.fw.datapath.vport.mac = Buffer.from('020000000a00', 'hex');
    const vq = new EthQueues(vf);
    const pq = new EthQueues(rig.pf);
    const log = vf.fw.dirtyLog;
    log.start([{ iova: vq.addr, length: BigInt(Math.ceil(vq.mem.length / PAGE_SIZE)) * P }]);
    vq.post(ethFrame(Buffer.from('020000000a00', 'hex'), Buffer.from('020000000001', 'hex'), 60));
    pq.post(ethFrame(Buffer.from('020000000001', 'hex'), Buffer.from('020000000a00', 'hex'), 60));
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
    const pages = log
      .readAndClear(vq.addr, BigInt(vq.mem.length))
      .map((a) => Number((a - vq.addr) / P));
    // EQ ring page 0 untouched (no armed CQ), CQ ring page 1, first receive buffer page 6; the
    // send ring (2), receive ring (3), doorbell records (5) and send buffers are only read.
    expect(pages).toEqual([1, 6]);
    expect(rig.pf.fw.dirtyLog.tracking).toBe(false);
    log.stop();
  });
});
