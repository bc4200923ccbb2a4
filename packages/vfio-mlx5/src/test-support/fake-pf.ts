/**
 * fakePf: a PF command interface that answers the commands mlx5_vfio_pci
 * sends for one VF, for testing the driver's arcs on their own: PD and key
 * objects (counted, so leaks show), SUSPEND / RESUME (logged), QUERY (the
 * VF's image size, or the size of what changed since the last SAVE when
 * incremental), SAVE (the image written through the DMA space at `va`,
 * checked against the key) and LOAD (the image read back and kept).
 * `fail` makes the next command of an opcode fail EIO.
 */
import type { CommandExecutor } from '@auxctl/core';
import {
  AllocPdOut,
  AuxError,
  CreateMkeyOut,
  DeallocPdIn,
  DestroyMkeyIn,
  DmaSpace,
  LoadVhcaStateIn,
  Op,
  opcodeName,
  QueryVhcaMigrationStateIn,
  QueryVhcaMigrationStateOut,
  SaveVhcaStateIn,
  SaveVhcaStateOut,
  VhcaIn,
} from '@auxctl/prm';

export interface FakePf extends CommandExecutor {
  readonly dma: DmaSpace;
  readonly vhcaId: number;
  /** Commands sent, as `NAME` or `NAME(op_mod)`, `+inc`, `+track` for QUERY / SAVE flags. */
  readonly log: string[];
  /** The VF's state as firmware would save it; `dirty` is what changed since the last SAVE. */
  image: Buffer;
  dirty: Buffer;
  readonly loaded: Buffer[];
  readonly objects: { pd: Set<number>; mkey: Set<number> };
  fail: number | undefined;
}

export function fakePf(vhcaId = 1): FakePf {
  let next = 1;
  const pf: FakePf = {
    dma: new DmaSpace(),
    vhcaId,
    log: [],
    image: Buffer.from('vf-state:'.repeat(50)),
    dirty: Buffer.alloc(0),
    loaded: [],
    objects: { pd: new Set(), mkey: new Set() },
    fail: undefined,
    async cmdExec(inbox, outLen) {
      const op = inbox.readUInt16BE(0);
      const out = Buffer.alloc(outLen);
      if (op === pf.fail) {
        pf.fail = undefined;
        throw new AuxError('EIO', `${opcodeName(op)} failed`);
      }
      const vhca = (layout: { get(b: Buffer, f: 'vhca_id'): number }) => {
        if (layout.get(inbox, 'vhca_id') !== vhcaId) throw new AuxError('EINVAL', 'wrong vhca_id');
      };
      switch (op) {
        case Op.ALLOC_PD:
          pf.objects.pd.add(next);
          AllocPdOut.write(out, { pd: next++ });
          break;
        case Op.DEALLOC_PD:
          pf.objects.pd.delete(DeallocPdIn.get(inbox, 'pd'));
          break;
        case Op.CREATE_MKEY:
          pf.objects.mkey.add(next);
          CreateMkeyOut.write(out, { mkey_index: next++ });
          break;
        case Op.DESTROY_MKEY:
          pf.objects.mkey.delete(DestroyMkeyIn.get(inbox, 'mkey_index'));
          break;
        case Op.SUSPEND_VHCA:
        case Op.RESUME_VHCA:
          vhca(VhcaIn);
          pf.log.push(`${opcodeName(op)}(${VhcaIn.get(inbox, 'op_mod')})`);
          break;
        case Op.QUERY_VHCA_MIGRATION_STATE: {
          vhca(QueryVhcaMigrationStateIn);
          const inc = QueryVhcaMigrationStateIn.get(inbox, 'incremental') === 1;
          pf.log.push(`QUERY_VHCA_MIGRATION_STATE${inc ? '+inc' : ''}`);
          const size = inc ? pf.dirty.length : pf.image.length;
          QueryVhcaMigrationStateOut.write(out, {
            required_umem_size: size,
            remaining_total_size: BigInt(size),
          });
          break;
        }
        case Op.SAVE_VHCA_STATE: {
          vhca(SaveVhcaStateIn);
          const d = SaveVhcaStateIn.decode(inbox);
          pf.log.push(
            `SAVE_VHCA_STATE${d.incremental ? '+inc' : ''}${d.set_track ? '+track' : ''}`,
          );
          if (!pf.objects.mkey.has(d.mkey >>> 8)) throw new AuxError('EINVAL', 'bad mkey');
          const src = d.incremental ? pf.dirty : pf.image;
          const to = pf.dma.resolve(d.va, d.size);
          if (!to || src.length > d.size) throw new AuxError('EINVAL', 'bad SAVE target');
          src.copy(to);
          pf.dirty = Buffer.alloc(0);
          SaveVhcaStateOut.write(out, { actual_image_size: src.length });
          break;
        }
        case Op.LOAD_VHCA_STATE: {
          vhca(LoadVhcaStateIn);
          const d = LoadVhcaStateIn.decode(inbox);
          pf.log.push('LOAD_VHCA_STATE');
          const from = pf.dma.resolve(d.va, d.size);
          if (!from || !pf.objects.mkey.has(d.mkey >>> 8))
            throw new AuxError('EINVAL', 'bad LOAD source');
          pf.loaded.push(Buffer.from(from));
          break;
        }
        default:
          throw new AuxError('EINVAL', `unexpected ${opcodeName(op)}`);
      }
      return out;
    },
  };
  return pf;
}
