/**
 * Dump frame codec: the wire form of CoredumpResponse / ResourceDumpResponse
 * data frames with one copy of the data instead of four.
 *
 * The generated codec moves a chunk's bytes through a growing protobuf
 * writer, slices the result and copies it again into a Buffer on encode,
 * and copies the bytes out of the received message on decode. For a dump
 * of 64 MiB in 256 KiB chunks that is most of the CPU a download costs.
 * Here a chunk frame is written once into a buffer of the exact size, and
 * decoded as a view into the received message (grpc-js hands each message
 * its own Buffer, so the view stays valid and unshared).
 *
 * Both directions produce exactly what the generated codec does: encode is
 * byte-identical (fields in number order, proto3 defaults omitted) and any
 * input the fast decoder does not recognise as one well-formed chunk frame
 * is handed to the generated decoder, so errors and unknown fields behave
 * the same.
 *
 * Owns: the chunk fast path and its reused serializer buffer (the frame's
 * bytes are wire-frame.ts's; ctl-service.ts puts the codec in the CtlService
 * definition). Never: the header or trailer (generated).
 */

import { CoredumpResponse, ResourceDumpResponse } from './gen/auxctl/v1/ctl_service.js';
import { decodeFrame, encodeFrame, type FrameBuffer, freshBuffer } from './wire-frame.js';

/** DumpFrameMessage: CoredumpResponse and ResourceDumpResponse share this shape. */
type DumpFrameMessage = CoredumpResponse | ResourceDumpResponse;

let scratch = Buffer.alloc(0);
/** reused: a view of the serializer's scratch buffer (see serialize). */
const reused: FrameBuffer = (bytes) => {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, 2 * scratch.length));
  return scratch.subarray(0, bytes);
};

interface FrameCodec<M extends DumpFrameMessage> {
  /** encode: the message's bytes in a Buffer of its own. */
  encode(message: M): Buffer;
  /**
   * serialize: as encode, but a chunk frame is written into one reused
   * buffer, valid only until the next serialize. This is the service's
   * response serializer: grpc-js copies what it returns into the framed
   * message before serialize can run again (server-interceptors
   * serializeMessage; it never compresses responses), so a download
   * allocates one frame per chunk instead of two. Two external 256 KiB
   * allocations per chunk made V8 run a full GC every few dozen frames
   * once the dump store held a few captures, halving the stream's rate.
   */
  serialize(message: M): Buffer;
  decode(buf: Buffer): M;
}

function frameCodec<M extends DumpFrameMessage>(generated: {
  encode(message: M): { finish(): Uint8Array };
  decode(input: Uint8Array): M;
}): FrameCodec<M> {
  const encodeWith = (message: M, alloc: FrameBuffer): Buffer => {
    const f = message.frame;
    const fast = f?.$case === 'chunk' ? encodeChunkFrame(f.chunk, alloc) : undefined;
    return fast ?? Buffer.from(generated.encode(message).finish());
  };
  return {
    encode: (message) => encodeWith(message, freshBuffer),
    serialize: (message) => encodeWith(message, reused),
    decode(buf) {
      const f = decodeFrame(buf, false);
      return f
        ? ({ frame: { $case: 'chunk', chunk: { offset: f.n1, data: f.bytes } } } as M)
        : generated.decode(buf);
    },
  };
}

/**
 * encodeChunkFrame: the chunk frame {offset, data} (the same bytes for all
 * three dump responses, whose frames share their form) in a buffer from
 * `alloc`; undefined when offset is not a safe non-negative integer.
 */
export function encodeChunkFrame(
  chunk: { readonly offset: number; readonly data: Uint8Array },
  alloc: FrameBuffer,
): Buffer | undefined {
  return encodeFrame({ n1: chunk.offset, bytes: chunk.data }, alloc);
}

/** coredumpFrameCodec: CoredumpResponse with the chunk fast path (see the module header). */
export const coredumpFrameCodec: FrameCodec<CoredumpResponse> = frameCodec(CoredumpResponse);

/** resourceDumpFrameCodec: ResourceDumpResponse with the chunk fast path. */
export const resourceDumpFrameCodec: FrameCodec<ResourceDumpResponse> =
  frameCodec(ResourceDumpResponse);
