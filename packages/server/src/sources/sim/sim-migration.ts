/**
 * SimMigration: the MigrationFunctions of one simulated PF — its VFs bound
 * to a migration driver (mlx5_vfio_pci), moved through their vfio devices
 * the way a VMM does with vfio migration v2.
 *
 * save: with pre-copy rounds, RUNNING -> PRE_COPY opens the data file; each
 * round reads it to its temporary end (ENOMSG); then STOP_COPY (vfio core
 * walks PRE_COPY_P2P on the way, the file stays) or, without rounds,
 * RUNNING -> ... -> STOP_COPY opens it; read to the end, then STOP. A save
 * that stops early walks the device back to RUNNING (a reset when it is in
 * ERROR). finish: commit resets the function (its state is now the
 * destination's), abort walks STOP -> RUNNING. load: STOP, RESUMING, the
 * bytes written as they come, STOP (the driver loads them), RUNNING; any
 * failure resets the function.
 *
 * Each operation opens the VF's vfio device and closes it afterwards: the
 * last close leaves the migration state as it is (only a reset changes it
 * by itself).
 *
 * Owns: the order of arcs and reads. Never: the migration state (the
 * driver's) or the VF's binding (the PCI bus's).
 */
import type { PciFunction as BusFunction } from '@auxctl/core';
import { AuxError, isAuxError } from '@auxctl/prm';
import {
  FeatureFlag,
  type MigDataFile,
  MigState,
  type MigStateValue,
  migStateData,
  migStateName,
  readMigState,
  readU64,
  STRUCT_BYTES,
  type VfioDeviceFd,
  type VfioDevices,
  VfioFeature,
} from '@auxctl/vfio';
import type { MigrationFunctions, SaveEvent } from '../device-source.js';

/** READ_BYTES: how much one read of a data file asks for. */
const READ_BYTES = 1024 * 1024;
/** Bound on reads of one save (a device that never ends its stream). */
const MAX_READS = 1_000_000;

/** SimMigration: see the module header. */
export class SimMigration implements MigrationFunctions {
  constructor(
    private readonly pf: BusFunction,
    private readonly vfio: VfioDevices,
  ) {}

  has(bdf: string): boolean {
    return this.vfs().some((v) => v.bdf === bdf);
  }

  async state(bdf: string): Promise<{ state: string; driver: string }> {
    const vf = this.vf(bdf);
    const driver = vf.driverName ?? '';
    if (!this.vfio.list().includes(vf.bdf)) return { state: 'UNSPECIFIED', driver };
    const fd = await this.vfio.open(vf.bdf);
    try {
      return { state: migStateName(await current(fd)), driver };
    } finally {
      await fd.close();
    }
  }

  async *save(
    bdf: string,
    o: { readonly precopyRounds: number; readonly signal: AbortSignal },
  ): AsyncGenerator<SaveEvent> {
    const fd = await this.open(bdf);
    let done = false;
    try {
      let file: MigDataFile | undefined;
      if (o.precopyRounds > 0) {
        file = await set(fd, MigState.PRE_COPY);
        for (let round = 1; round <= o.precopyRounds; round++) {
          o.signal.throwIfAborted();
          const info = await (file as MigDataFile).precopyInfo();
          yield {
            type: 'progress',
            phase: 'pre-copy',
            round,
            remaining: info.initialBytes + info.dirtyBytes,
          };
          yield* readAll(file as MigDataFile, o.signal);
        }
        file = (await set(fd, MigState.STOP_COPY)) ?? file;
      } else {
        file = await set(fd, MigState.STOP_COPY);
      }
      if (!file) throw new AuxError('EIO', `${bdf}: STOP_COPY opened no data file`);
      const size = await fd.deviceFeature(
        VfioFeature.MIG_DATA_SIZE | FeatureFlag.GET,
        Buffer.alloc(STRUCT_BYTES.dataSize),
      );
      yield {
        type: 'progress',
        phase: 'stop-copy',
        round: 0,
        remaining: size.data ? readU64(size.data) : 0n,
      };
      yield* readAll(file, o.signal);
      await set(fd, MigState.STOP);
      done = true;
    } finally {
      if (!done) await backToRunning(fd);
      await fd.close();
    }
  }

  async finish(bdf: string, commit: boolean): Promise<void> {
    const fd = await this.open(bdf);
    try {
      if (commit) await fd.reset();
      else await set(fd, MigState.RUNNING);
    } finally {
      await fd.close();
    }
  }

  async load(bdf: string, data: AsyncIterable<Buffer>): Promise<void> {
    const fd = await this.open(bdf);
    try {
      await set(fd, MigState.STOP);
      const file = await set(fd, MigState.RESUMING);
      if (!file) throw new AuxError('EIO', `${bdf}: RESUMING opened no data file`);
      for await (const chunk of data) {
        for (let at = 0; at < chunk.length; ) at += await file.write(chunk.subarray(at));
      }
      await set(fd, MigState.STOP);
      await set(fd, MigState.RUNNING);
    } catch (err) {
      // Nothing of a refused stream stays: the function is reset.
      await fd.reset().catch(() => undefined);
      throw err;
    } finally {
      await fd.close();
    }
  }

  private vfs(): BusFunction[] {
    return this.pf.sriov?.vfs ?? [];
  }

  private vf(bdf: string): BusFunction {
    const vf = this.vfs().find((v) => v.bdf === bdf);
    if (!vf) throw new AuxError('ENOENT', `${bdf} is not a VF of ${this.pf.bdf}`);
    return vf;
  }

  /** open: the VF's vfio device; EOPNOTSUPP while no migration driver has it. */
  private open(bdf: string): Promise<VfioDeviceFd> {
    const vf = this.vf(bdf);
    if (!this.vfio.list().includes(vf.bdf)) {
      throw new AuxError(
        'EOPNOTSUPP',
        `${bdf} is bound to ${vf.driverName ?? 'no driver'}; bind it to mlx5_vfio_pci to migrate it (auxctl vf bind)`,
      );
    }
    return this.vfio.open(vf.bdf);
  }
}

/** set: MIG_DEVICE_STATE SET `state`; the data file the last arc opened, if any. */
async function set(fd: VfioDeviceFd, state: MigStateValue): Promise<MigDataFile | undefined> {
  const r = await fd.deviceFeature(
    VfioFeature.MIG_DEVICE_STATE | FeatureFlag.SET,
    migStateData(state),
  );
  return r.file;
}

/** current: MIG_DEVICE_STATE GET. */
async function current(fd: VfioDeviceFd): Promise<number> {
  const r = await fd.deviceFeature(
    VfioFeature.MIG_DEVICE_STATE | FeatureFlag.GET,
    Buffer.alloc(STRUCT_BYTES.migState),
  );
  return r.data ? readMigState(r.data).state : MigState.ERROR;
}

/** readAll: the file's bytes up to its (temporary, in pre-copy) end. */
async function* readAll(file: MigDataFile, signal: AbortSignal): AsyncGenerator<SaveEvent> {
  for (let i = 0; i < MAX_READS; i++) {
    signal.throwIfAborted();
    let b: Buffer;
    try {
      b = await file.read(READ_BYTES);
    } catch (e) {
      if (isAuxError(e, 'ENOMSG')) return;
      throw e;
    }
    if (b.length === 0) return;
    yield { type: 'data', data: b };
  }
  throw new AuxError('EIO', `the device's state did not end within ${MAX_READS} reads`);
}

/** backToRunning: after a save that stopped early: RUNNING again (a reset out of ERROR). */
async function backToRunning(fd: VfioDeviceFd): Promise<void> {
  try {
    if ((await current(fd)) === MigState.ERROR) await fd.reset();
    else await set(fd, MigState.RUNNING);
  } catch {
    await fd.reset().catch(() => undefined);
  }
}
