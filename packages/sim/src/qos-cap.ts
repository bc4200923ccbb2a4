/**
 * The QOS capability (cap_type 0xc) of the simulated device: the bytes a
 * ConnectX-6 Dx returned in mlx5ctl's public sample (`cap --id=QOS`; the
 * rest of the structure zero), the same for current and maximum (the
 * driver sets nothing in it). prm's `QosCap` decodes them to the values
 * the sample printed (packet pacing 1..100,000,000 kb/s, 128 rate table
 * entries, TSAR bandwidth share up to 100, ...). The simulator models no
 * rate limiter or scheduler behind them; they are what management
 * software reads.
 *
 * Owns: the bytes.
 */
import { QosCap } from '@auxctl/prm';

const SAMPLE = [
  'fff10c2a42a8000005f5e10000000001',
  '00040080000f00070000000800000064',
  '00110001060617000d0d000000000000',
].join('');

/** buildQosCap: the capability bytes (the layout's size). */
export function buildQosCap(): Buffer {
  const b = Buffer.alloc(QosCap.bytes);
  Buffer.from(SAMPLE, 'hex').copy(b);
  return b;
}
