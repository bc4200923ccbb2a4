/**
 * VfTarget: how mlx5_vfio_pci reaches one VF's firmware state: the PF's
 * command interface and the VF's `vhca_id`, which every VHCA command names.
 * Once the VF goes away (its PCI function removed, e.g. sriov_numvfs 0)
 * the target is detached and every command through it fails ENOTCONN
 * (mlx5's `mdev_detach`), whatever the PF does next.
 *
 * Owns: the detached flag. Never: the PF's queue (the PF core's).
 */
import type { CmdOptions, CommandExecutor } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';

/** VfTarget: see the module header. */
export class VfTarget {
  private detached = false;
  /** cmd: the PF's command interface, refusing once detached. */
  readonly cmd: CommandExecutor;

  /**
   * @param pf the PF's own command interface, also what the PF-side
   *   memory is made and released with (that must work after detach)
   */
  constructor(
    readonly pf: CommandExecutor,
    readonly vhcaId: number,
    readonly bdf: string,
  ) {
    this.cmd = {
      cmdExec: async (inbox: Buffer, outLen: number, opts?: CmdOptions) => {
        this.connected();
        return pf.cmdExec(inbox, outLen, opts);
      },
    };
  }

  /** connected: throws ENOTCONN once detached. */
  connected(): void {
    if (this.detached) {
      throw new AuxError('ENOTCONN', `VF ${this.bdf} (vhca_id ${this.vhcaId}) is gone from its PF`);
    }
  }

  /** detach: from now on every command is ENOTCONN. */
  detach(): void {
    this.detached = true;
  }

  get isDetached(): boolean {
    return this.detached;
  }
}
