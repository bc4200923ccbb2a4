/**
 * Virtqueue notifications: how the device tells the driver a VIRTIO_NET_Q
 * put elements on its used ring, in the queue's `event_mode`.
 *
 * NO_MSIX: nothing; the driver polls the used ring.
 * QP: `event_qpn_or_msix` names a queue pair of the function. mlx5_vdpa
 * names its firmware QP, connected (RTR/RTS, `remote_qpn`) to a driver QP
 * of the same function whose receive queue it polls; a notification is
 * then one message to that driver QP: it consumes one posted receive WQE
 * and writes a RESP_SEND CQE (byte count 0) on the QP's receive CQ, which
 * raises a completion event when the CQ is armed, as every completion of
 * the device does. A named QP that is not connected to a QP of this
 * function receives the message itself. No receive WQE posted, or the QP
 * not in RTR/RTS: the notification is lost (the caller counts it).
 *
 * Owns: the notification rule. Never: the rings.
 */
import { CqeOpcode, QpState, VirtqEventMode } from '@auxctl/prm';
import type { FwObject } from '../object-table.js';
import type { Datapath } from './datapath.js';
import type { QpData, VirtqData } from './queue-data.js';
import { resolveRing } from './ring-memory.js';

const connected = (qp: FwObject<QpData> | undefined): qp is FwObject<QpData> => {
  const st = qp ? Number(qp.context.state) : -1;
  return st === QpState.RTR || st === QpState.RTS;
};

/** notifyVirtq: notify `q`'s driver; false when the notification was lost. */
export function notifyVirtq(dp: Datapath, q: FwObject<VirtqData>): boolean {
  const mode = Number(q.context.event_mode);
  if (mode === VirtqEventMode.NO_MSIX) return true;
  if (mode !== VirtqEventMode.QP) return false;
  const { objects, dma } = dp.host;
  const named = objects.get<QpData>('QP', Number(q.context.event_qpn_or_msix));
  if (!connected(named)) return false;
  const peer = objects.get<QpData>('QP', named.data.remoteQpn);
  const target = connected(peer) ? peer : named;
  const d = target.data;
  const mem = resolveRing(dma, d.ring);
  if (!mem || (d.rqCc & 0xffff) === (mem.dbr.readUInt32BE(0) & 0xffff)) return false;
  const wqeCounter = d.rqCc & 0xffff;
  d.rqCc++;
  return dp.cqes.complete(d.cqnRcv, {
    opcode: CqeOpcode.RESP_SEND,
    qpn: target.id,
    wqeCounter,
    byteCnt: 0,
  });
}
