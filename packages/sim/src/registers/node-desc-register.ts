/**
 * NODE_DESC (0x6001, read-only): the simulated device's node description,
 * the one mlx5ctl's public sample shows a ConnectX-6 Dx reporting ("MT4125
 * ConnectX6Dx Mellanox Technologies"), NUL-padded to 64 bytes.
 *
 * Owns: the text.
 */
import { NODE_DESC_BYTES, NodeDescReg, RegisterId } from '@auxctl/prm';
import type { RegisterHandler, RegisterRequest } from './register-handler.js';

/** NODE_DESCRIPTION: the text the register holds. */
export const NODE_DESCRIPTION = 'MT4125 ConnectX6Dx Mellanox Technologies';

/** NodeDescRegister: the NODE_DESC handler. */
export class NodeDescRegister implements RegisterHandler {
  readonly id = RegisterId.NODE_DESC;
  readonly name = 'NODE_DESC';
  readonly read = true;
  readonly write = false;
  readonly cap = 0;
  readonly inBytes = NodeDescReg.bytes;
  readonly outBytes = NodeDescReg.bytes;

  handle(req: RegisterRequest): void {
    const text = Buffer.alloc(NODE_DESC_BYTES);
    text.write(NODE_DESCRIPTION, 'latin1');
    NodeDescReg.write(req.out, { node_description: text });
  }

  reset(): void {}
}
