/**
 * SimMigration: the MigrationFunctions of one simulated PF — its VFs bound
 * to a migration driver (mlx5_vfio_pci), moved through their vfio devices
 * the way a VMM does with vfio migration v2, together with the guest
 * auxctld runs on the VF, if any (sim-guests.ts).
 *
 * save: the stream is vmm-stream.ts's records. With a guest, its memory is
 * tracked first (the device's DMA log and the CPU's writes, GuestRam).
 * With pre-copy rounds, RUNNING -> PRE_COPY opens the data file; each
 * round sends the guest's memory layout and pages (all of them in round 1,
 * then those written since) and the data file's bytes up to its temporary
 * end (ENOMSG). Then the guest's vCPU pauses, STOP_COPY (vfio core walks
 * PRE_COPY_P2P on the way, the file stays) or, without rounds, RUNNING ->
 * ... -> STOP_COPY opens it; the pages still dirty (all of them without
 * pre-copy), the rest of the file, the vCPU's registers, END; then STOP.
 * A save that stops early walks the device back to RUNNING (a reset when
 * it is in ERROR) and runs the guest again. finish: commit resets the
 * function and drops the guest and its memory (both are the
 * destination's now), abort walks STOP -> RUNNING and runs the guest.
 * load: STOP, RESUMING, records applied as they come (memory mapped at
 * the source's addresses, device bytes written), END required, STOP (the
 * driver loads them), RUNNING, and the guest resumes from its memory and
 * registers; any failure resets the function and releases the memory.
 *
 * A VF without a guest is opened for each operation and closed afterwards
 * (the last close leaves the migration state as it is); a guest's VMM
 * holds its VF's fd for the guest's life.
 *
 * Owns: the order of arcs, reads and records. Never: the migration state
 * (the driver's), the VF's binding (the PCI bus's), the guest's state (its
 * memory).
 */
import { AuxError, type DeviceBackend, isAuxError, PAGE_SIZE } from '@auxctl/prm';
import {
  FeatureFlag,
  type MigDataFile,
  MigState,
  type MigStateValue,
  migStateData,
  migStateName,
  readMigData,
  readMigState,
  readU64,
  STRUCT_BYTES,
  type VfioDeviceFd,
  VfioFeature,
} from '@auxctl/vfio';
import { Guest, GuestRam, type RamPage, type RamRegion } from '@auxctl/vmm';
import type { MigrationFunctions, SaveEvent } from '../device-source.js';
import { dropVf, type SimGuests } from './sim-guests.js';
import {
  deviceRecord,
  endRecord,
  layoutRecord,
  pageRecords,
  VmmStreamReader,
  vcpuRecord,
} from './vmm-stream.js';

/** READ_BYTES: how much one read of a data file asks for (one DEVICE record). */
const READ_BYTES = 1024 * 1024;

/** SimMigration: see the module header. */
export class SimMigration implements MigrationFunctions {
  constructor(private readonly guests: SimGuests) {}

  has(bdf: string): boolean {
    return this.guests.has(bdf);
  }

  async state(bdf: string): Promise<{ state: string; driver: string }> {
    const driver = this.guests.vf(bdf).driverName ?? '';
    const fd = await this.guests.openVfio(bdf).catch((e: unknown) => {
      if (isAuxError(e, 'EOPNOTSUPP')) return undefined;
      throw e;
    });
    if (!fd) return { state: 'UNSPECIFIED', driver };
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
    this.guests.hold(bdf);
    const g = this.guests.of(bdf);
    let fd: VfioDeviceFd | undefined;
    let done = false;
    try {
      fd = g?.fd ?? (await this.guests.openVfio(bdf));
      if (g) await g.ram.startTracking();
      let file: MigDataFile | undefined;
      if (o.precopyRounds > 0) {
        file = await set(fd, MigState.PRE_COPY);
        for (let round = 1; round <= o.precopyRounds; round++) {
          o.signal.throwIfAborted();
          const info = await (file as MigDataFile).precopyInfo();
          const pages = g ? (round === 1 ? g.ram.allPages() : await g.ram.dirtyPages()) : [];
          yield {
            type: 'progress',
            phase: 'pre-copy',
            round,
            remaining: info.initialBytes + info.dirtyBytes + BigInt(pages.length * PAGE_SIZE),
          };
          if (g) yield* ramRecords(g.ram.layout(), pages);
          yield* deviceRecords(file as MigDataFile, o.signal);
        }
      }
      if (g) await g.guest.pause();
      file = (await set(fd, MigState.STOP_COPY)) ?? file;
      if (!file) throw new AuxError('EIO', `${bdf}: STOP_COPY opened no data file`);
      const size = await fd.deviceFeature(
        VfioFeature.MIG_DATA_SIZE | FeatureFlag.GET,
        Buffer.alloc(STRUCT_BYTES.dataSize),
      );
      const pages = g ? (o.precopyRounds > 0 ? await g.ram.dirtyPages() : g.ram.allPages()) : [];
      yield {
        type: 'progress',
        phase: 'stop-copy',
        round: 0,
        remaining: (size.data ? readU64(size.data) : 0n) + BigInt(pages.length * PAGE_SIZE),
      };
      if (g) yield* ramRecords(g.ram.layout(), pages);
      yield* deviceRecords(file, o.signal);
      if (g) yield { type: 'data', data: vcpuRecord(g.guest.vcpu()) };
      yield { type: 'data', data: endRecord() };
      await set(fd, MigState.STOP);
      done = true;
    } finally {
      if (g) await g.ram.stopTracking().catch(() => undefined);
      if (!done) {
        if (fd) await backToRunning(fd);
        g?.guest.run();
        this.guests.release(bdf);
      }
      if (fd && !g) await fd.close();
    }
  }

  async finish(bdf: string, commit: boolean): Promise<void> {
    try {
      const g = commit ? this.guests.leave(bdf) : this.guests.of(bdf);
      if (commit && g) return await dropVf(g.fd, g.ram);
      const fd = g?.fd ?? (await this.guests.openVfio(bdf));
      try {
        if (commit) await fd.reset();
        else await set(fd, MigState.RUNNING);
        g?.guest.run();
      } finally {
        if (!g) await fd.close();
      }
    } finally {
      this.guests.release(bdf);
    }
  }

  async load(bdf: string, data: AsyncIterable<Buffer>): Promise<void> {
    this.guests.claimable(bdf);
    this.guests.hold(bdf);
    let fd: VfioDeviceFd<DeviceBackend> | undefined;
    let ram: GuestRam | undefined;
    let kept = false;
    try {
      fd = await this.guests.openVfio(bdf);
      ram = new GuestRam(fd);
      await set(fd, MigState.STOP);
      const file = await set(fd, MigState.RESUMING);
      if (!file) throw new AuxError('EIO', `${bdf}: RESUMING opened no data file`);
      const vcpu = await applyRecords(data, file, ram);
      await set(fd, MigState.STOP);
      await set(fd, MigState.RUNNING);
      if (vcpu) {
        const guest = Guest.resume(fd, vcpu);
        this.guests.arrive(bdf, { fd, guest, ram });
        kept = true;
      }
    } catch (err) {
      // Nothing of a refused stream stays: the function is reset, guest memory released.
      if (fd) await fd.reset().catch(() => undefined);
      throw err;
    } finally {
      if (!kept) {
        ram?.release();
        await fd?.close();
      }
      this.guests.release(bdf);
    }
  }
}

/** applyRecords: a load's records applied as they arrive; the vCPU's registers, if a guest came. */
async function applyRecords(
  data: AsyncIterable<Buffer>,
  file: MigDataFile,
  ram: GuestRam,
): Promise<Buffer | undefined> {
  const reader = new VmmStreamReader();
  let vcpu: Buffer | undefined;
  for await (const chunk of data) {
    for (const rec of reader.push(chunk)) {
      if (rec.tag === 'device') {
        for (let at = 0; at < rec.data.length; ) at += await file.write(rec.data.subarray(at));
      } else if (rec.tag === 'layout') ram.applyLayout(rec.regions);
      else if (rec.tag === 'pages') for (const p of rec.pages) ram.writePage(p);
      else if (rec.tag === 'vcpu') vcpu = Buffer.from(rec.data);
    }
  }
  reader.finish();
  return vcpu;
}

/** ramRecords: the guest's memory layout, then `pages`. */
function* ramRecords(
  layout: readonly RamRegion[],
  pages: readonly RamPage[],
): Generator<SaveEvent> {
  yield { type: 'data', data: layoutRecord(layout) };
  for (const r of pageRecords(pages)) yield { type: 'data', data: r };
}

/** deviceRecords: the data file's bytes up to its (temporary, in pre-copy) end, as DEVICE records. */
async function* deviceRecords(file: MigDataFile, signal: AbortSignal): AsyncGenerator<SaveEvent> {
  for await (const b of readMigData(file, { readBytes: READ_BYTES, signal })) {
    yield { type: 'data', data: deviceRecord(b) };
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

/** backToRunning: after a save that stopped early: RUNNING again (a reset out of ERROR). */
async function backToRunning(fd: VfioDeviceFd): Promise<void> {
  try {
    if ((await current(fd)) === MigState.ERROR) await fd.reset();
    else await set(fd, MigState.RUNNING);
  } catch {
    await fd.reset().catch(() => undefined);
  }
}
