/**
 * Mlx5VfMigration: mlx5_vfio_pci's migration ops for one VF — each arc
 * vfio core asks for runs `arcPlan(arc)`'s firmware steps on the PF's
 * command interface, aimed at the VF's vhca_id, and does the plan's
 * stream effect:
 *
 *   open-save    PF memory (PD + PA key) for a new saving file; QUERY
 *                sizes the SAVE; the first SAVE is preceded by the
 *                optional STOP_COPY_SIZE record. The file is returned.
 *   keep         the saving file stays; on PRE_COPY_P2P -> STOP_COPY it
 *                turns to stop-copy (SUSPEND, QUERY + SAVE of the
 *                increment) and is returned again, as mlx5 does.
 *   close        QUERY + SAVE of the increment first when the plan says so
 *                (the pre-copy's last), then the file is closed; on
 *                RESUMING -> STOP the resuming file's images are loaded
 *                first (Mlx5ResumeFile.load).
 *   open-resume  PF memory for a new resuming file, returned.
 * A SAVE step with no saving file left (the user closed it) is skipped.
 *
 * Once the VF is detached every arc is ENOTCONN, even one that would send
 * nothing.
 *
 * FAILURES: a failed arc leaves the state at the arc's start (vfio core
 * reports the error) and closes a file the arc opened; a failed
 * RESUMING -> STOP (truncated stream, refused image) moves to ERROR with
 * the resuming file closed — only a reset leaves ERROR. Every file's PF
 * memory is released on close, `resetDone`, `closeFiles` and `detach`.
 *
 * Owns: the VF's migration state and its data files. Never: the PCI
 * function or the vfio device (vfio core's).
 */
import { type Logger, silentLogger } from '@auxctl/core';
import { AuxError, type DmaSpace, Op } from '@auxctl/prm';
import { type MigDataFile, type MigrationOps, MigState, type MigStateValue } from '@auxctl/vfio';
import { type ArcPlan, arcPlan } from './arc-plan.js';
import { Mlx5ResumeFile } from './mlx5-resume-file.js';
import { Mlx5SaveFile } from './mlx5-save-file.js';
import { PfMigMemory } from './pf-mig-memory.js';
import type { VfTarget } from './vf-target.js';
import { queryVhcaMigrationState, resumeVhca, suspendVhca } from './vhca-commands.js';

/** Mlx5VfMigrationOptions: the VF and what the PF lends. */
export interface Mlx5VfMigrationOptions {
  readonly vf: VfTarget;
  /** The PF's DMA space (where images are saved and loaded from). */
  readonly dma: DmaSpace;
  /** What the driver advertises (`VFIO_MIGRATION_*`). */
  readonly flags: number;
  readonly log?: Logger;
}

const { STOP, RUNNING, STOP_COPY, RESUMING, ERROR } = MigState;

/** Mlx5VfMigration: see the module header. */
export class Mlx5VfMigration implements MigrationOps {
  readonly flags: number;
  private state: MigStateValue = RUNNING;
  private saving: Mlx5SaveFile | undefined;
  private resuming: Mlx5ResumeFile | undefined;
  private readonly log: Logger;

  constructor(private readonly o: Mlx5VfMigrationOptions) {
    this.flags = o.flags;
    this.log = (o.log ?? silentLogger).child({ vf: o.vf.bdf });
  }

  getState(): MigStateValue {
    return this.state;
  }

  async setState(next: MigStateValue): Promise<MigDataFile | undefined> {
    this.o.vf.connected();
    const from = this.state;
    const plan = arcPlan({ from, to: next });
    try {
      const file = await this.run(plan, next);
      this.state = next;
      return file;
    } catch (err) {
      if (from === RESUMING && next === STOP) {
        await this.closeFiles();
        this.state = ERROR;
        this.log.warn({ err }, 'the resumed state was refused; the VF is in ERROR until reset');
      }
      throw err;
    }
  }

  async getDataSize(): Promise<bigint> {
    const { required } = await queryVhcaMigrationState(this.o.vf.cmd, this.o.vf.vhcaId, false);
    return BigInt(required);
  }

  async resetDone(): Promise<void> {
    await this.closeFiles();
    this.state = RUNNING;
  }

  /** closeFiles: close both data files (last close of the device, reset, remove). */
  async closeFiles(): Promise<void> {
    const files = [this.saving, this.resuming];
    this.saving = undefined;
    this.resuming = undefined;
    for (const f of files) await f?.close();
  }

  /** detach: the VF is going away: files closed, then every command ENOTCONN. */
  async detach(): Promise<void> {
    await this.closeFiles();
    this.o.vf.detach();
  }

  private async run(plan: ArcPlan, next: MigStateValue): Promise<MigDataFile | undefined> {
    const { vf } = this.o;
    let opened: Mlx5SaveFile | Mlx5ResumeFile | undefined;
    if (plan.stream === 'open-save' || plan.stream === 'open-resume') {
      const mem = await PfMigMemory.open(vf.pf, this.o.dma, (err) =>
        this.log.error({ err }, 'releasing migration memory failed'),
      );
      opened =
        plan.stream === 'open-save'
          ? new Mlx5SaveFile(vf, mem, next === STOP_COPY ? 'stopcopy' : 'precopy')
          : new Mlx5ResumeFile(vf, mem);
    }
    const saving = opened instanceof Mlx5SaveFile ? opened : this.saving;
    try {
      let size = 0;
      for (const step of plan.steps) {
        switch (step.opcode) {
          case Op.SUSPEND_VHCA:
            await suspendVhca(vf.cmd, vf.vhcaId, step.opMod);
            break;
          case Op.RESUME_VHCA:
            await resumeVhca(vf.cmd, vf.vhcaId, step.opMod);
            break;
          case Op.QUERY_VHCA_MIGRATION_STATE:
            if (!saving || saving.closed) break;
            size = (await queryVhcaMigrationState(vf.cmd, vf.vhcaId, step.incremental === true))
              .required;
            if (saving === opened) saving.announce(size);
            break;
          case Op.SAVE_VHCA_STATE:
            if (!saving || saving.closed) break;
            if (next === STOP_COPY) saving.phase = 'stopcopy';
            if (size > 0 || !step.incremental) {
              await saving.save(size, { incremental: step.incremental, track: step.track });
            }
            break;
          case Op.LOAD_VHCA_STATE:
            if (!this.resuming) throw new AuxError('EINVAL', 'no resuming data file to load from');
            await this.resuming.load();
            break;
          default:
            throw new AuxError('EINVAL', `no firmware step 0x${step.opcode.toString(16)}`);
        }
      }
    } catch (err) {
      await opened?.close();
      throw err;
    }
    return this.settle(plan, next, opened);
  }

  /** settle: the plan's stream effect, once its steps succeeded. */
  private async settle(
    plan: ArcPlan,
    next: MigStateValue,
    opened: Mlx5SaveFile | Mlx5ResumeFile | undefined,
  ): Promise<MigDataFile | undefined> {
    switch (plan.stream) {
      case 'open-save':
        this.saving = opened as Mlx5SaveFile;
        return opened;
      case 'open-resume':
        this.resuming = opened as Mlx5ResumeFile;
        return opened;
      case 'keep':
        if (next === STOP_COPY && this.saving && !this.saving.closed) return this.saving;
        return undefined;
      case 'close':
        await this.closeFiles();
        return undefined;
      default:
        return undefined;
    }
  }
}
