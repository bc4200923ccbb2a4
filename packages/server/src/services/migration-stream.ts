/**
 * The Load side of a migration stream: header, data, trailer, checked in
 * order, the data's size and SHA-256 against the trailer.
 *
 * Owns: the order and the check. Never: the device (the caller feeds
 * `data()` to it, and it sees the end only once the trailer matched).
 */
import { createHash } from 'node:crypto';
import { AuxError } from '@auxctl/prm';
import type { LoadRequest } from '@auxctl/proto';
import { requestOf } from '../grpc/request-guard.js';

/** LoadReader: see loadReader. */
export interface LoadReader {
  /** Data bytes read so far. */
  bytes: number;
  /** header: the VF the stream names; EINVAL unless it starts with a header. */
  header(): Promise<string>;
  /** data: the data bytes; ends only once the trailer matched (EINVAL otherwise). */
  data(): AsyncGenerator<Buffer>;
}

/**
 * loadReader: a Load stream read in order: `header()` (the VF), then
 * `data()` — the data bytes, which ends only once the trailer matched
 * their size and SHA-256 (EINVAL otherwise, or on a stream that ends
 * early or out of order).
 */
export function loadReader(stream: AsyncIterable<LoadRequest>): LoadReader {
  const it = stream[Symbol.asyncIterator]();
  const next = async (): Promise<LoadRequest | undefined> => {
    const r = await it.next();
    return r.done ? undefined : requestOf(r.value);
  };
  const out: LoadReader = {
    bytes: 0,
    async header(): Promise<string> {
      const first = await next();
      if (first?.kind?.$case !== 'header' || first.kind.header.vf === '') {
        throw new AuxError('EINVAL', 'a Load stream starts with a header naming the VF');
      }
      return first.kind.header.vf;
    },
    async *data(): AsyncGenerator<Buffer> {
      const hash = createHash('sha256');
      for (;;) {
        const msg = await next();
        const kind = msg?.kind;
        if (kind?.$case === 'data') {
          hash.update(kind.data);
          out.bytes += kind.data.length;
          yield kind.data;
          continue;
        }
        if (kind?.$case !== 'trailer') {
          throw new AuxError(
            'EINVAL',
            msg === undefined
              ? `the Load stream ended after ${out.bytes} bytes without its trailer`
              : 'a Load stream has one header, then data, then the trailer',
          );
        }
        const t = kind.trailer;
        if (t.totalBytes !== out.bytes || !hash.digest().equals(t.sha256)) {
          throw new AuxError(
            'EINVAL',
            `the state does not match its trailer (${out.bytes} bytes arrived, ${t.totalBytes} sent, or the SHA-256 differs)`,
          );
        }
        if ((await next()) !== undefined) {
          throw new AuxError('EINVAL', 'nothing may follow the trailer of a Load stream');
        }
        return;
      }
    },
  };
  return out;
}
