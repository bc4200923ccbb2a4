/**
 * writeToMkey: how a dump register delivers bytes through a memory key.
 *
 * Dump registers name memory by `mkey` + `address`; the simulator treats
 * `address` as a byte offset from the start of the memory the key
 * describes (as if every key were zero-based), and the host checks the
 * key's owner and range. Data is produced and written in chunks of at most
 * {@link MKEY_CHUNK_BYTES}, so a 64 MiB dump never exists in memory at once.
 *
 * A failure part way leaves the bytes already written in the caller's
 * memory; the caller commits its own cursor only after the whole write.
 */
import { CmdStatus, Syndrome } from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import type { RegisterHost } from '../register-host.js';

/** MKEY_CHUNK_BYTES: the most bytes produced and written in one step. */
export const MKEY_CHUNK_BYTES = 1024 * 1024;

/**
 * writeToMkey: write `length` bytes to `mkey` at `address` on behalf of
 * `uid`; `produce(pos, chunk)` fills `chunk` with data bytes `pos..`.
 * Throws FwError (BAD_PARAM, MEM_OUT_OF_RANGE) for an address beyond 2^53,
 * or whatever the host's `writeMkey` throws.
 */
export function writeToMkey(
  host: RegisterHost,
  uid: number,
  mkey: number,
  address: bigint,
  length: number,
  produce: (pos: number, chunk: Buffer) => void,
): void {
  if (address > BigInt(Number.MAX_SAFE_INTEGER - length)) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.MEM_OUT_OF_RANGE,
      `address 0x${address.toString(16)} + ${length} is outside any memory key`,
    );
  }
  const base = Number(address);
  const buf = Buffer.allocUnsafe(Math.min(length, MKEY_CHUNK_BYTES));
  for (let pos = 0; pos < length; pos += buf.length) {
    const chunk = buf.subarray(0, Math.min(buf.length, length - pos));
    produce(pos, chunk);
    host.writeMkey(uid, mkey, base + pos, chunk);
  }
}
