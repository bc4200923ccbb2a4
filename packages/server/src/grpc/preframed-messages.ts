/**
 * Preframed messages: messages of a server stream that write their own gRPC
 * framing (the 5-byte length prefix and the message), so grpc-js sends them
 * without allocating and copying a buffer of its own.
 *
 * grpc-js frames every message a server sends in its base call's
 * `serializeMessage` (1.14): it serializes the message, allocates a new
 * Buffer of its length plus 5 and copies it in behind the prefix. For a dump
 * download that is one fresh chunk-sized buffer per chunk, 64 of 1 MiB for a
 * 64 MiB coredump, and those allocations drove the server's collector:
 * measured per 64 MiB download on a server holding one stored dump, two
 * scavenges and, once several downloads had run, two or three mark-compacts
 * (10-35 ms) — none with the frames written into reused buffers.
 *
 * `allowPreframed(call)` sets, on that one call's base object, a
 * `serializeMessage` that answers a message carrying PREFRAME with the bytes
 * PREFRAME returns, and passes every other message to grpc-js' own. A
 * message with PREFRAME is still a whole message (the generated or
 * hand-written serializer writes it as usual), so should a grpc-js release
 * stop calling `serializeMessage`, the call sends the same bytes the slower
 * way; `dump-service.test.ts` counts the frames that went out preframed and
 * fails then.
 *
 * Owns: the hook on the base call. Never: what a frame holds (its owner
 * writes it), or the framing of messages without PREFRAME.
 */
import { findInCallChain } from '../security/index.js';

/** PREFRAME: on a message, the function grpc-js' serialization calls for its framed bytes. */
export const PREFRAME: unique symbol = Symbol('auxctl.preframe');

/** Preframed: a message that may frame itself (see the module header). */
export interface Preframed {
  readonly [PREFRAME]?: () => Buffer;
}

/** GRPC_PREFIX_BYTES: the compressed flag and the uint32 length before each gRPC message. */
export const GRPC_PREFIX_BYTES = 5;

/**
 * grpcFramed: `buf` holding a message of `bytes` bytes at GRPC_PREFIX_BYTES,
 * given its uncompressed prefix; a view of exactly the framed message.
 */
export function grpcFramed(buf: Buffer, bytes: number): Buffer {
  buf[0] = 0;
  buf.writeUInt32BE(bytes, 1);
  return buf.subarray(0, GRPC_PREFIX_BYTES + bytes);
}

interface Serializing {
  serializeMessage(value: unknown): Buffer;
}

/** One function for every hooked call (no closure per call); grpc-js' own is on the prototype. */
function preframedSerialize(this: Serializing, value: unknown): Buffer {
  const frame = (value as Preframed | null | undefined)?.[PREFRAME];
  if (typeof frame === 'function') return frame();
  return (Object.getPrototypeOf(this) as Serializing).serializeMessage.call(this, value);
}

/** The first object of the chain whose prototype frames messages: the base call. */
function baseCallOf(c: object): Serializing | undefined {
  const proto = Object.getPrototypeOf(c) as Partial<Serializing> | null;
  return typeof proto?.serializeMessage === 'function' ? (c as Serializing) : undefined;
}

/**
 * allowPreframed: hook the base call under `call` (a grpc-js server stream;
 * see findInCallChain); false, changing nothing, when there is none.
 */
export function allowPreframed(call: object): boolean {
  const base = findInCallChain(call, baseCallOf);
  if (base === undefined) return false;
  base.serializeMessage = preframedSerialize;
  return true;
}
