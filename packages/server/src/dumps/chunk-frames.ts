/**
 * ChunkFrames: the chunk messages of one dump stream as preframed messages
 * (grpc/preframed-messages.ts): each is framed for the wire — gRPC prefix
 * and chunk frame — when grpc-js serializes it, into one of the stream's
 * frame buffers, and that buffer frames a later chunk once the transport
 * took the message.
 *
 * A message is framed only when grpc-js sends it, not when it is queued,
 * so a queued chunk stays a view into the store as before, and at most two
 * buffers are kept: the streamer has at most one chunk outstanding while it
 * writes the next (dump-streamer.ts). A buffer whose message did not go out
 * (the write failed, the call ended) is never used again.
 *
 * Owns: the stream's frame buffers. Never: the frame's bytes
 * (encodeChunkFrame) or when a message is sent.
 */
import { encodeChunkFrame } from '@auxctl/proto';
import {
  GRPC_PREFIX_BYTES,
  grpcFramed,
  PREFRAME,
  type Preframed,
} from '../grpc/preframed-messages.js';
import type { ChunkFrame } from './dump-frames.js';

/** ChunkMessage: a chunk frame as the streamer writes it. */
export interface ChunkMessage extends Preframed {
  readonly frame: ChunkFrame;
  /** The buffer it was framed into, until the transport took it. */
  framedInto?: Buffer;
}

/** Buffers kept for reuse: one being sent, one being framed. */
const KEEP = 2;
/**
 * Room a new buffer has beyond its frame: frames of one stream differ in
 * their offset's and lengths' varints (a few bytes), so the next chunk of
 * the same size fits the buffer of the last.
 */
const ROOM = 32;

/** ChunkFrames: see the module header. */
export class ChunkFrames {
  private readonly free: Buffer[] = [];

  /** message: `frame` as a message that frames itself when grpc-js sends it. */
  message(frame: ChunkFrame): ChunkMessage {
    const m: ChunkMessage = { frame, [PREFRAME]: () => this.frameOf(m) };
    return m;
  }

  /**
   * taken: the transport took `m` (its write called back without an
   * error); its buffer frames a later chunk. Says whether `m` went out
   * framed here.
   */
  taken(m: ChunkMessage): boolean {
    const buf = m.framedInto;
    if (buf === undefined) return false;
    m.framedInto = undefined;
    if (this.free.length < KEEP) this.free.push(buf);
    return true;
  }

  private frameOf(m: ChunkMessage): Buffer {
    let buf: Buffer | undefined;
    const frame = encodeChunkFrame(m.frame.chunk, (bytes) => {
      buf = this.take(GRPC_PREFIX_BYTES + bytes);
      return buf.subarray(GRPC_PREFIX_BYTES, GRPC_PREFIX_BYTES + bytes);
    });
    if (frame === undefined || buf === undefined) {
      // The store's offsets are safe integers; grpc-js answers a throw here with INTERNAL.
      throw new Error(`dump chunk at offset ${m.frame.chunk.offset} cannot be framed`);
    }
    m.framedInto = buf;
    return grpcFramed(buf, frame.length);
  }

  /** take: a free buffer of at least `size` bytes, else a new one with room to spare. */
  private take(size: number): Buffer {
    const i = this.free.findIndex((b) => b.length >= size);
    if (i >= 0) return this.free.splice(i, 1)[0] as Buffer;
    return Buffer.allocUnsafeSlow(size + ROOM);
  }
}
