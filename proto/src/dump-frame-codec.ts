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
 * Owns: the chunk fast path (ctl-service.ts puts it in the CtlService
 * definition). Never: the header or trailer (generated).
 */

import { CoredumpResponse, ResourceDumpResponse } from './gen/auxctl/v1/ctl_service.js';
import { readVarint, varintBytes, writeVarint } from './wire-varint.js';

/** DumpFrameMessage: CoredumpResponse and ResourceDumpResponse share this shape. */
type DumpFrameMessage = CoredumpResponse | ResourceDumpResponse;

/** Tag bytes: field 2 length-delimited (frame.chunk and chunk.data), field 1 varint (chunk.offset). */
const TAG_CHUNK = 0x12;
const TAG_OFFSET = 0x08;
const TAG_DATA = 0x12;

/** A buffer of at least `bytes`: a fresh one, or a view of the reused serializer scratch. */
type FrameBuffer = (bytes: number) => Buffer;

const fresh: FrameBuffer = (bytes) => Buffer.allocUnsafe(bytes);

let scratch = Buffer.alloc(0);
const reused: FrameBuffer = (bytes) => {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, 2 * scratch.length));
  return scratch.subarray(0, bytes);
};

function encodeChunk(offset: number, data: Uint8Array, alloc: FrameBuffer): Buffer | undefined {
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  const offsetLen = offset === 0 ? 0 : 1 + varintBytes(offset);
  const dataLen = data.length === 0 ? 0 : 1 + varintBytes(data.length) + data.length;
  const inner = offsetLen + dataLen;
  const out = alloc(1 + varintBytes(inner) + inner);
  let at = writeVarint(out, 1, inner);
  out[0] = TAG_CHUNK;
  if (offset !== 0) {
    out[at++] = TAG_OFFSET;
    at = writeVarint(out, at, offset);
  }
  if (data.length !== 0) {
    out[at++] = TAG_DATA;
    at = writeVarint(out, at, data.length);
    out.set(data, at);
  }
  return out;
}

/** Decodes `buf` when it is exactly one chunk frame of offset and data fields; else undefined. */
function decodeChunk(buf: Buffer): { offset: number; data: Buffer } | undefined {
  if (buf.length < 2 || buf[0] !== TAG_CHUNK) return undefined;
  const len = readVarint(buf, 1, buf.length);
  if (!len || len.next + len.value !== buf.length) return undefined;
  let at = len.next;
  let offset = 0;
  let data: Buffer = Buffer.alloc(0);
  while (at < buf.length) {
    const tag = buf[at++];
    if (tag === TAG_OFFSET) {
      const v = readVarint(buf, at, buf.length);
      if (!v) return undefined;
      offset = v.value;
      at = v.next;
    } else if (tag === TAG_DATA) {
      const n = readVarint(buf, at, buf.length);
      if (!n || n.next + n.value > buf.length) return undefined;
      data = buf.subarray(n.next, n.next + n.value);
      at = n.next + n.value;
    } else {
      return undefined;
    }
  }
  return { offset, data };
}

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
    const fast =
      f?.$case === 'chunk' ? encodeChunk(f.chunk.offset, f.chunk.data, alloc) : undefined;
    return fast ?? Buffer.from(generated.encode(message).finish());
  };
  return {
    encode: (message) => encodeWith(message, fresh),
    serialize: (message) => encodeWith(message, reused),
    decode(buf) {
      const chunk = decodeChunk(buf);
      return chunk ? ({ frame: { $case: 'chunk', chunk } } as M) : generated.decode(buf);
    },
  };
}

/** coredumpFrameCodec: CoredumpResponse with the chunk fast path (see the module header). */
export const coredumpFrameCodec: FrameCodec<CoredumpResponse> = frameCodec(CoredumpResponse);

/** resourceDumpFrameCodec: ResourceDumpResponse with the chunk fast path. */
export const resourceDumpFrameCodec: FrameCodec<ResourceDumpResponse> =
  frameCodec(ResourceDumpResponse);
