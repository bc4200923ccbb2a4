import { Op, ResumeVhcaOpMod, SuspendVhcaOpMod } from '@auxctl/prm';
import { MigState as M, MIG_STATES, migPath, requiredArcs } from '@auxctl/vfio';
import { describe, expect, it } from 'vitest';
import { arcPlan, MLX5_MIG_FLAGS } from './arc-plan.js';

describe("mlx5's migration arcs", () => {
  it('implements exactly the arcs vfio requires of a STOP_COPY | P2P | PRE_COPY device', () => {
    const required = new Set(requiredArcs(MLX5_MIG_FLAGS).map((a) => `${a.from}>${a.to}`));
    for (const from of MIG_STATES) {
      for (const to of MIG_STATES) {
        if (from === to) continue;
        const implemented = (() => {
          try {
            arcPlan({ from, to });
            return true;
          } catch (err) {
            expect(err).toMatchObject({ code: 'EINVAL' });
            return false;
          }
        })();
        expect(implemented, `${from} -> ${to}`).toBe(required.has(`${from}>${to}`));
      }
    }
  });

  it('sends the op_mods mlx5 uses (RESUME numbered the reverse of SUSPEND)', () => {
    expect(arcPlan({ from: M.RUNNING, to: M.RUNNING_P2P }).steps).toEqual([
      { opcode: Op.SUSPEND_VHCA, opMod: SuspendVhcaOpMod.INITIATOR },
    ]);
    expect(arcPlan({ from: M.RUNNING_P2P, to: M.STOP }).steps).toEqual([
      { opcode: Op.SUSPEND_VHCA, opMod: 1 },
    ]);
    expect(arcPlan({ from: M.STOP, to: M.RUNNING_P2P }).steps).toEqual([
      { opcode: Op.RESUME_VHCA, opMod: ResumeVhcaOpMod.RESPONDER },
    ]);
    expect(ResumeVhcaOpMod.RESPONDER).toBe(0);
    expect(arcPlan({ from: M.RUNNING_P2P, to: M.RUNNING }).steps[0]?.opMod).toBe(1);
  });

  it("opens one stream per saving group and closes it, as the uAPI's data_fd rules say", () => {
    // QEMU's save path: RUNNING -> PRE_COPY -> PRE_COPY_P2P -> STOP_COPY -> STOP.
    const path = [
      ...migPath(M.RUNNING, M.PRE_COPY, MLX5_MIG_FLAGS),
      ...migPath(M.PRE_COPY, M.STOP_COPY, MLX5_MIG_FLAGS),
      ...migPath(M.STOP_COPY, M.STOP, MLX5_MIG_FLAGS),
    ];
    expect(path.map((a) => arcPlan(a).stream)).toEqual(['open-save', 'keep', 'keep', 'close']);
    const stopCopy = path.find((a) => a.to === M.STOP_COPY);
    expect(arcPlan(stopCopy!).steps.map((s) => s.opcode)).toEqual([
      Op.SUSPEND_VHCA,
      Op.QUERY_VHCA_MIGRATION_STATE,
      Op.SAVE_VHCA_STATE,
    ]);
    // Resume: STOP -> RESUMING -> STOP loads what was written.
    expect(arcPlan({ from: M.STOP, to: M.RESUMING }).stream).toBe('open-resume');
    expect(arcPlan({ from: M.RESUMING, to: M.STOP })).toEqual({
      steps: [{ opcode: Op.LOAD_VHCA_STATE, opMod: 0 }],
      stream: 'close',
    });
    expect(arcPlan({ from: M.RUNNING, to: M.PRE_COPY }).steps[1]).toMatchObject({ track: true });
  });
});
