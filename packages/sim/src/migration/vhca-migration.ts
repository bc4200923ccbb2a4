/**
 * VhcaMigration: one function's side of live migration — its suspension
 * order, its save stream (source) and what it has loaded (destination).
 * The PF's SUSPEND / RESUME / QUERY / SAVE / LOAD_VHCA commands
 * (commands/vhca-migration.ts) drive it; it answers with FwError.
 *
 * SUSPENSION ORDER (quiesce.ts holds the work; BAD_RES_STATE /
 * MIG_BAD_STATE otherwise)
 *   SUSPEND(INITIATOR)  running   -> initiator
 *   SUSPEND(RESPONDER)  initiator -> stopped
 *   RESUME(RESPONDER)   stopped   -> initiator
 *   RESUME(INITIATOR)   initiator -> running
 *
 * SAVE STREAM (source)
 * A full SAVE starts a stream (a new random stream id, sequence 1) and
 * needs the function stopped unless it starts tracking (`set_track`, the
 * pre-copy save of a running function). While tracking, the stream
 * remembers a digest of every object it saved; an incremental SAVE
 * carries only the objects added or changed since, the ones removed
 * (REMOVED), and the small FUNCTION / VPORT / DATAPATH sections whole,
 * with sequence = previous + 1 and base = previous. Incremental without
 * tracking is BAD_RES_STATE. QUERY sizes the image the next SAVE of that
 * kind would write now.
 *
 * LOAD (destination): the function must be stopped. A full image needs a
 * function with no objects (BAD_RES_STATE / MIG_DEST_NOT_EMPTY) and starts
 * a loaded stream; an incremental one must follow the last image loaded
 * (same stream, base = its sequence; else BAD_PARAM / MIG_IMAGE_SEQUENCE).
 * The image is checked completely (framing, digest, capability
 * fingerprint, every section) before anything changes.
 *
 * Owns: the order, the stream bookkeeping. Never: the image format
 * (state-image.ts, function-state.ts) or DMA (the command).
 */
import { createHash, randomBytes } from 'node:crypto';
import { CmdStatus, ResumeVhcaOpMod, SuspendVhcaOpMod, Syndrome } from '@auxctl/prm';
import type { QuiesceState } from '../datapath/quiesce.js';
import { FwError } from '../fw-error.js';
import {
  applyState,
  captureState,
  checkState,
  type FunctionParts,
  type FunctionState,
  fingerprint,
  objectKey,
  readObjects,
  readRemoved,
  recordValue,
  stateSections,
} from './function-state.js';
import { decodeImage, encodeImage, SectionType } from './state-image.js';
import { encodeValue, ImageFormatError, type Value } from './value-codec.js';

/** SavePlan: an image ready to write; `commit` records it in the stream once written. */
export interface SavePlan {
  readonly image: Buffer;
  commit(): void;
}

const badState = (msg: string) => new FwError(CmdStatus.BAD_RES_STATE, Syndrome.MIG_BAD_STATE, msg);

const SUSPEND: Record<number, [QuiesceState, QuiesceState]> = {
  [SuspendVhcaOpMod.INITIATOR]: ['running', 'initiator'],
  [SuspendVhcaOpMod.RESPONDER]: ['initiator', 'stopped'],
};
const RESUME: Record<number, [QuiesceState, QuiesceState]> = {
  [ResumeVhcaOpMod.RESPONDER]: ['stopped', 'initiator'],
  [ResumeVhcaOpMod.INITIATOR]: ['initiator', 'running'],
};

const digest = (v: Value) => createHash('sha256').update(encodeValue(v)).digest('hex');

/** VhcaMigration: see the module header. */
export class VhcaMigration {
  private tracking = false;
  private stream: { id: Buffer; seq: number; saved: Map<string, string> } | undefined;
  private loaded: { id: Buffer; seq: number } | undefined;

  /** tracks: a save stream with tracking is open (incremental SAVEs possible). */
  get tracks(): boolean {
    return this.tracking && this.stream !== undefined;
  }

  /** suspend / resume: move the data path along the order above. */
  suspend(p: FunctionParts, opMod: number): void {
    this.step(p, SUSPEND[opMod]!, 'SUSPEND_VHCA');
  }

  resume(p: FunctionParts, opMod: number): void {
    this.step(p, RESUME[opMod]!, 'RESUME_VHCA');
  }

  private step(p: FunctionParts, [from, to]: [QuiesceState, QuiesceState], what: string): void {
    const now = p.datapath.quiesce.state;
    if (now !== from) throw badState(`${what}: the function is ${now}; this op_mod needs ${from}`);
    p.datapath.setQuiesce(to);
  }

  /** plan: the image a SAVE would write now (see the module header); nothing changes until commit. */
  plan(p: FunctionParts, o: { incremental: boolean; track: boolean }): SavePlan {
    const state = captureState(p);
    const digests = new Map(state.objects.map((r) => [objectKey(r), digest(recordValue(r))]));
    const stream = this.stream;
    if (o.incremental) {
      if (!this.tracking || !stream) {
        throw badState('incremental SAVE needs a stream that tracks (a SAVE with set_track first)');
      }
      const changed = state.objects.filter(
        (r) => stream.saved.get(objectKey(r)) !== digests.get(objectKey(r)),
      );
      const removed = [...stream.saved.keys()]
        .filter((k) => !digests.has(k))
        .map((k) => {
          const [type, id] = k.split(':');
          return [type, Number(id)] as Value;
        });
      const sections = stateSections({ ...state, objects: changed });
      sections.set(SectionType.REMOVED, removed);
      const header = {
        incremental: true,
        seq: stream.seq + 1,
        base: stream.seq,
        stream: stream.id,
        fingerprint: fingerprint(p.caps),
      };
      return {
        image: encodeImage(header, sections),
        commit: () => {
          stream.seq++;
          stream.saved = digests;
        },
      };
    }
    if (!o.track && !this.tracking && p.datapath.quiesce.state !== 'stopped') {
      throw badState('a full SAVE without set_track needs the function suspended (RESPONDER)');
    }
    const id = randomBytes(8);
    const header = {
      incremental: false,
      seq: 1,
      base: 0,
      stream: id,
      fingerprint: fingerprint(p.caps),
    };
    return {
      image: encodeImage(header, stateSections(state)),
      commit: () => {
        this.stream = { id, seq: 1, saved: digests };
        if (o.track) this.tracking = true;
      },
    };
  }

  /** load: check `bytes` completely, then apply it (see the module header). */
  load(p: FunctionParts, bytes: Buffer): void {
    if (p.datapath.quiesce.state !== 'stopped') {
      throw badState('LOAD_VHCA_STATE needs the function suspended (RESPONDER)');
    }
    let next: FunctionState;
    let image: ReturnType<typeof decodeImage>;
    try {
      image = decodeImage(bytes);
      if (!image.fingerprint.equals(fingerprint(p.caps))) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.MIG_IMAGE_CAPS,
          'image of a function with other capabilities',
        );
      }
      next = image.incremental ? this.merge(p, image) : this.full(p, image);
      checkState(next, p.datapath.ports.length);
    } catch (e) {
      if (e instanceof ImageFormatError) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.MIG_IMAGE_BAD,
          `image refused: ${e.message}`,
        );
      }
      throw e;
    }
    applyState(p, next);
    this.loaded = { id: image.stream, seq: image.seq };
  }

  private full(p: FunctionParts, image: ReturnType<typeof decodeImage>): FunctionState {
    if ([...p.objects.objects()].length > 0 || this.loaded) {
      throw new FwError(
        CmdStatus.BAD_RES_STATE,
        Syndrome.MIG_DEST_NOT_EMPTY,
        'a full image loads only into a function with no objects',
      );
    }
    if (image.seq !== 1 || image.base !== 0 || image.sections.has(SectionType.REMOVED)) {
      throw new ImageFormatError('a full image is sequence 1 of its stream and removes nothing');
    }
    return sectionsState(image.sections, readObjects(need(image.sections, SectionType.OBJECTS)));
  }

  private merge(p: FunctionParts, image: ReturnType<typeof decodeImage>): FunctionState {
    const l = this.loaded;
    const follows =
      l?.id.equals(image.stream) === true && image.base === l.seq && image.seq === l.seq + 1;
    if (!follows) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.MIG_IMAGE_SEQUENCE,
        `incremental image ${image.seq} (after ${image.base}) does not follow the last image loaded (${l?.seq ?? 'none'})`,
      );
    }
    const gone = new Set(readRemoved(need(image.sections, SectionType.REMOVED)));
    const delta = readObjects(need(image.sections, SectionType.OBJECTS));
    const byKey = new Map(delta.map((r) => [objectKey(r), r]));
    const merged = captureState(p)
      .objects.filter((r) => !gone.has(objectKey(r)))
      .map((r) => byKey.get(objectKey(r)) ?? r);
    const have = new Set(merged.map(objectKey));
    for (const r of delta) if (!have.has(objectKey(r))) merged.push(r);
    return sectionsState(image.sections, merged);
  }

  /** reset: forget streams and suspension bookkeeping (function reset, VF disabled). */
  reset(): void {
    this.tracking = false;
    this.stream = undefined;
    this.loaded = undefined;
  }
}

function need(sections: ReadonlyMap<number, Value>, type: number): Value {
  if (!sections.has(type)) throw new ImageFormatError(`section ${type} missing`);
  return sections.get(type);
}

function sectionsState(
  sections: ReadonlyMap<number, Value>,
  objects: FunctionState['objects'],
): FunctionState {
  return {
    fn: need(sections, SectionType.FUNCTION),
    vport: need(sections, SectionType.VPORT),
    datapath: need(sections, SectionType.DATAPATH),
    objects,
  };
}
