/**
 * datapath suite: what the data path of the two other aux drivers costs
 * next to the plain operation they stand for, measured in the same run.
 *
 * - net-aux: frames/s through a netdev, its firmware queues and the
 *   simulated wire to a second netdev, next to handing the same buffers
 *   from one function to another (datapath-net.ts).
 * - rdma-aux: RDMA WRITE MB/s between two connected RC QPs for 4 KiB and
 *   1 MiB messages, next to a Buffer.copy of the same bytes
 *   (datapath-rdma.ts).
 *
 * Results go to bench/results/datapath.json.
 */
import { measureNetdev } from './datapath-net.js';
import { measureRdmaWrite } from './datapath-rdma.js';
import { printTable, type Row, writeResults } from './harness.js';

/** runDatapath: measure and write bench/results/datapath.json. */
export async function runDatapath(ms: number): Promise<Record<string, number>> {
  const rows: Row[] = [];
  const out: Record<string, number> = {};
  for (const part of [await measureNetdev(ms), await measureRdmaWrite(ms)]) {
    rows.push(...part.rows);
    Object.assign(out, part.out);
  }
  printTable('datapath: netdev frames and RDMA WRITE vs direct hand-off and Buffer.copy', rows);
  writeResults('datapath', out);
  return out;
}
