/**
 * fakeMigDriver: migration and log ops that record what vfio core asks of
 * them: each arc taken, and a data file for the arcs that open one (the
 * saving arcs and STOP -> RESUMING; PRE_COPY_P2P -> STOP_COPY hands the
 * saving file on). `failOn` makes one arc throw EIO, leaving the state
 * where it was.
 */
import { AuxError } from '@auxctl/prm';
import type { IovaRange } from '../../feature/feature-structs.js';
import type { IovaBitmap } from '../../feature/iova-bitmap.js';
import { MigState, type MigStateValue, migStateName } from '../../migration/mig-states.js';
import type { LogOps, MigDataFile, MigrationOps } from '../vfio-ops.js';

export interface FakeFile extends MigDataFile {
  readonly opened: string;
}

export interface FakeMigDriver extends MigrationOps {
  readonly arcs: string[];
  readonly files: FakeFile[];
  failOn: string | undefined;
  /** An arc that wrongly opens a file (to test vfio core's check). */
  strayFileOn: string | undefined;
  state: MigStateValue;
  resets: number;
}

const { STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P } = MigState;
const arcName = (a: number, b: number) => `${migStateName(a)}>${migStateName(b)}`;
const OPENS = new Set([
  arcName(RUNNING, PRE_COPY),
  arcName(RUNNING_P2P, PRE_COPY_P2P),
  arcName(STOP, STOP_COPY),
  arcName(STOP, RESUMING),
]);

function fakeFile(opened: string): FakeFile {
  let closed = false;
  return {
    opened,
    get closed() {
      return closed;
    },
    read: async () => Buffer.alloc(0),
    write: async (b) => b.length,
    precopyInfo: async () => ({ initialBytes: 0n, dirtyBytes: 0n }),
    close: async () => {
      closed = true;
    },
  };
}

export function fakeMigDriver(flags: number): FakeMigDriver {
  const d: FakeMigDriver = {
    flags,
    arcs: [],
    files: [],
    failOn: undefined,
    strayFileOn: undefined,
    state: RUNNING,
    resets: 0,
    async setState(next) {
      const name = arcName(d.state, next);
      if (name === d.failOn) throw new AuxError('EIO', `${name} failed`);
      d.arcs.push(name);
      d.state = next;
      if (OPENS.has(name) || name === d.strayFileOn) {
        const f = fakeFile(name);
        d.files.push(f);
        return f;
      }
      if (name === arcName(PRE_COPY_P2P, STOP_COPY)) return d.files.at(-1);
      return undefined;
    },
    getState: () => d.state,
    getDataSize: async () => 0x1234n,
    async resetDone() {
      d.resets++;
      d.state = RUNNING;
      for (const f of d.files) await f.close();
    },
  };
  return d;
}

export interface FakeLog extends LogOps {
  readonly calls: string[];
  dirty: IovaRange[];
}

export function fakeLog(): FakeLog {
  const l: FakeLog = {
    calls: [],
    dirty: [],
    async start(ranges, pageSize) {
      l.calls.push(`start ${ranges.length} ${pageSize}`);
      return pageSize;
    },
    async stop() {
      l.calls.push('stop');
    },
    async readAndClear(bitmap: IovaBitmap) {
      l.calls.push('report');
      for (const r of l.dirty) bitmap.setRange(r.iova, r.length);
      l.dirty = [];
    },
  };
  return l;
}
