/**
 * Work completions: what `IbCq.poll()` returns, decoded from the device's
 * CQEs with ibverbs names (`ibv_wc`: `wr_id`, `status`, `opcode`,
 * `byte_len`, `qp_num`).
 *
 * Error CQEs carry the device's syndrome; `wcStatus` maps it the way
 * mlx5_ib does (`mlx5_handle_error_cqe`), so a caller reads the statuses
 * it knows from verbs (`REM_ACCESS_ERR`, `RETRY_EXC_ERR`, ...). A syndrome
 * the table does not know becomes `GENERAL_ERR`, never an exception.
 *
 * Owns: the status and opcode vocabulary. Never: ring state.
 */
import { CqeSyndrome } from '@auxctl/prm';

/** WcStatus: `ibv_wc_status` names used by the driver. */
export type WcStatus =
  | 'SUCCESS'
  | 'LOC_LEN_ERR'
  | 'LOC_QP_OP_ERR'
  | 'LOC_PROT_ERR'
  | 'WR_FLUSH_ERR'
  | 'BAD_RESP_ERR'
  | 'LOC_ACCESS_ERR'
  | 'REM_INV_REQ_ERR'
  | 'REM_ACCESS_ERR'
  | 'REM_OP_ERR'
  | 'RETRY_EXC_ERR'
  | 'RNR_RETRY_EXC_ERR'
  | 'GENERAL_ERR';

/** WcOpcode: what completed (`ibv_wc_opcode`); receive completions are `RECV`. */
export type WcOpcode = 'SEND' | 'RDMA_WRITE' | 'RDMA_READ' | 'RECV';

/** WrId: the caller's tag of a work request, handed back unchanged in its completion. */
export type WrId = number | bigint;

/** WorkCompletion: one completed (or failed / flushed) work request. */
export interface WorkCompletion {
  readonly wrId: WrId;
  readonly status: WcStatus;
  readonly opcode: WcOpcode;
  /** Bytes moved (receive: bytes placed; 0 on error). */
  readonly byteLen: number;
  readonly qpn: number;
  /** The device's CQE syndrome, for an error completion (vendor detail). */
  readonly syndrome?: number;
}

const SYNDROME_STATUS = new Map<number, WcStatus>([
  [CqeSyndrome.LOCAL_LENGTH_ERR, 'LOC_LEN_ERR'],
  [CqeSyndrome.LOCAL_QP_OP_ERR, 'LOC_QP_OP_ERR'],
  [CqeSyndrome.LOCAL_PROT_ERR, 'LOC_PROT_ERR'],
  [CqeSyndrome.WR_FLUSH_ERR, 'WR_FLUSH_ERR'],
  [CqeSyndrome.BAD_RESP_ERR, 'BAD_RESP_ERR'],
  [CqeSyndrome.LOCAL_ACCESS_ERR, 'LOC_ACCESS_ERR'],
  [CqeSyndrome.REMOTE_INVAL_REQ_ERR, 'REM_INV_REQ_ERR'],
  [CqeSyndrome.REMOTE_ACCESS_ERR, 'REM_ACCESS_ERR'],
  [CqeSyndrome.REMOTE_OP_ERR, 'REM_OP_ERR'],
  [CqeSyndrome.TRANSPORT_RETRY_EXC_ERR, 'RETRY_EXC_ERR'],
  [CqeSyndrome.RNR_RETRY_EXC_ERR, 'RNR_RETRY_EXC_ERR'],
]);

/** wcStatus: the verbs status of an error CQE's syndrome (GENERAL_ERR when unknown). */
export function wcStatus(syndrome: number | undefined): WcStatus {
  return (syndrome !== undefined && SYNDROME_STATUS.get(syndrome)) || 'GENERAL_ERR';
}
