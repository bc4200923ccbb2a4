/**
 * Health reporter actions on a core device, in the wire's terms: the dump
 * a reporter keeps (devlink health dump show) as bytes, and an
 * operator-initiated recovery (devlink health recover).
 *
 * A dump is the reporter's stored one — the first failure's since the
 * last clear — or, with none stored, one the reporter takes now. `fw_fatal`
 * keeps the crdump (bytes as read); `fw` keeps a health-buffer sample,
 * which goes out as JSON (bigints as decimal strings).
 *
 * Owns: the mapping. Never: when reporters dump or recover on their own
 * (core's health).
 */
import type { CoreDevice } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { HealthReporterName, HealthReporterReport } from '@auxctl/proto';
import { healthReports, jsonWithBigints, reporters } from './device-snapshot.js';

function reporterOf(core: CoreDevice, name: HealthReporterName) {
  const found = reporters(core).find(([n]) => n === name);
  if (!found) {
    throw new AuxError('EINVAL', 'name a health reporter: fw or fw_fatal');
  }
  return found[1];
}

/** dumpBytes: a stored dump's data as bytes (Buffers as they are, anything else as JSON). */
export function dumpBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(`${jsonWithBigints(data)}\n`);
}

/** healthDump: reporter `name`'s dump of `core` (see the module header); EOPNOTSUPP when it has none and cannot take one. */
export async function healthDump(core: CoreDevice, name: HealthReporterName): Promise<Buffer> {
  const stored = await reporterOf(core, name).dump();
  if (!stored) throw new AuxError('EOPNOTSUPP', 'the reporter has no dump and cannot take one');
  return dumpBytes(stored.data);
}

/** healthRecover: run reporter `name`'s recovery now; its report afterwards. Throws what recovery throws. */
export async function healthRecover(
  core: CoreDevice,
  name: HealthReporterName,
): Promise<HealthReporterReport> {
  await reporterOf(core, name).recover();
  const [report] = healthReports(core, [name]);
  if (!report) throw new AuxError('EINVAL', 'name a health reporter: fw or fw_fatal');
  return report;
}
