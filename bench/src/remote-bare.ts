/**
 * Bare baselines of the remote suite: a grpc-js service with identity
 * serializers (no protobuf, no middleware, no device) and a raw node:tls
 * byte stream, both over the same mutual TLS certificates auxctld uses.
 *
 * Requests say what to send back, so each baseline moves exactly the
 * message sizes of the auxctl call it is compared with:
 * - Echo (unary) and Chat (bidi): bytes 0..3 (u32 LE) are the length of
 *   the answer; the request itself is padded to the auxctl request's size.
 * - Stream (server stream) and the TLS socket: bytes 0..5 (u48 LE) are the
 *   total, 6..9 (u32 LE) the chunk size; chunks are written only after
 *   `drain`, as auxctld's dump streamer does.
 * This module must never buffer more than one chunk per stream.
 */
import { connect, createServer, type Server as TlsServer } from 'node:tls';
import {
  type ChannelCredentials,
  type ChannelOptions,
  type Client,
  type ClientDuplexStream,
  type ClientReadableStream,
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  makeGenericClientConstructor,
  Server,
  type ServerCredentials,
  type ServerWritableStream,
} from '@grpc/grpc-js';

/**
 * TLS_SERVER_NAME: the name every bench client checks the server certificate
 * against (it carries localhost; an IP address as SNI is deprecated in node).
 */
export const TLS_SERVER_NAME = 'localhost';

const identity = (b: Buffer): Buffer => b;

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/bench.Bare/${name}`,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/** BareService: the baseline service definition (identity serializers). */
export const BareService = {
  echo: method('Echo', false, false),
  chat: method('Chat', true, true),
  stream: method('Stream', false, true),
};

/** BARE_MAX_CHUNK: the largest answer or chunk a request may ask for. */
export const BARE_MAX_CHUNK = 1 << 20;

/** BareClient: the generic client of BareService. */
export const BareClient = makeGenericClientConstructor(BareService, 'Bare');
export type BareClient = Client & {
  echo(req: Buffer, cb: (err: Error | null, res: Buffer) => void): unknown;
  chat(): ClientDuplexStream<Buffer, Buffer>;
  stream(req: Buffer): ClientReadableStream<Buffer>;
};

/** newBareClient: a client of the bare service at `address`. */
export function newBareClient(
  address: string,
  creds: ChannelCredentials,
  options: ChannelOptions = {},
): BareClient {
  return new BareClient(address, creds, options) as unknown as BareClient;
}

/** echoRequest: a `size`-byte request asking for an `answer`-byte reply. */
export function echoRequest(size: number, answer: number): Buffer {
  const b = Buffer.alloc(Math.max(4, size));
  b.writeUInt32LE(answer, 0);
  return b;
}

/** streamRequest: ask for `total` bytes in `chunk`-byte pieces. */
export function streamRequest(total: number, chunk: number): Buffer {
  const b = Buffer.alloc(10);
  b.writeUIntLE(total, 0, 6);
  b.writeUInt32LE(chunk, 6);
  return b;
}

/** unaryEcho: one Echo call on `bare`; resolves the answer. */
export function unaryEcho(bare: BareClient, req: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    bare.echo(req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

const zeros = Buffer.alloc(BARE_MAX_CHUNK);

/** zerosOf: `n` zero bytes (at most BARE_MAX_CHUNK), a view of one shared buffer. */
export function zerosOf(n: number): Buffer {
  return zeros.subarray(0, Math.min(n, BARE_MAX_CHUNK));
}

// Dump-like content (not zeros) so nothing on the path can shortcut it.
const pattern = Buffer.from(Array.from({ length: BARE_MAX_CHUNK }, (_, i) => (i * 31 + 7) & 0xff));

function answerOf(req: Buffer): Buffer {
  const n = req.length >= 4 ? req.readUInt32LE(0) : 0;
  return zerosOf(n);
}

function planOf(req: Buffer): { total: number; chunk: number } {
  if (req.length < 10) return { total: 0, chunk: 1 };
  const chunk = Math.min(Math.max(1, req.readUInt32LE(6)), BARE_MAX_CHUNK);
  return { total: req.readUIntLE(0, 6), chunk };
}

/** sendChunks: `total` bytes in `chunk` pieces, each after the previous write drained. */
async function sendChunks(
  write: (b: Buffer) => boolean,
  waitDrain: () => Promise<boolean>,
  total: number,
  chunk: number,
): Promise<void> {
  for (let at = 0; at < total; ) {
    const n = Math.min(chunk, total - at);
    at += n;
    if (!write(pattern.subarray(0, n)) && !(await waitDrain())) return;
  }
}

function drainOf(call: ServerWritableStream<Buffer, Buffer>): () => Promise<boolean> {
  return () =>
    new Promise((resolve) => {
      if (call.cancelled) return resolve(false);
      const done = (ok: boolean) => () => {
        call.off('drain', onDrain);
        call.off('cancelled', onCancel);
        resolve(ok);
      };
      const onDrain = done(true);
      const onCancel = done(false);
      call.once('drain', onDrain);
      call.once('cancelled', onCancel);
    });
}

/**
 * startBareGrpc: the bare service on 127.0.0.1:0, with whatever `more` adds
 * to the server before it binds; resolves the server and its port.
 */
export async function startBareGrpc(
  creds: ServerCredentials,
  more?: (server: Server) => void,
): Promise<{ server: Server; port: number }> {
  const server = new Server({ 'grpc.max_send_message_length': 4 << 20 });
  const echo: handleUnaryCall<Buffer, Buffer> = (call, cb) => cb(null, answerOf(call.request));
  const chat: handleBidiStreamingCall<Buffer, Buffer> = (call) => {
    call.on('data', (req: Buffer) => call.write(answerOf(req)));
    call.on('end', () => call.end());
    call.on('error', () => {});
  };
  const stream: handleServerStreamingCall<Buffer, Buffer> = (call) => {
    const { total, chunk } = planOf(call.request);
    sendChunks((b) => call.write(b), drainOf(call), total, chunk).then(
      () => call.end(),
      () => call.end(),
    );
  };
  server.addService(BareService, { echo, chat, stream });
  more?.(server);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return { server, port };
}

/** TlsMaterial: PEM of the CA and one certificate pair. */
export interface TlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** startTlsSocket: a raw mTLS byte server on 127.0.0.1:0 (one stream request per connection). */
export async function startTlsSocket(m: TlsMaterial): Promise<{ server: TlsServer; port: number }> {
  const server = createServer(
    { ca: m.ca, cert: m.cert, key: m.key, requestCert: true, rejectUnauthorized: true },
    (sock) => {
      sock.on('error', () => sock.destroy());
      sock.once('data', (req: Buffer) => {
        const { total, chunk } = planOf(req);
        const waitDrain = () =>
          new Promise<boolean>((resolve) => {
            if (sock.destroyed) return resolve(false);
            const onDrain = () => {
              sock.off('close', onClose);
              resolve(true);
            };
            const onClose = () => {
              sock.off('drain', onDrain);
              resolve(false);
            };
            sock.once('drain', onDrain);
            sock.once('close', onClose);
          });
        sendChunks((b) => sock.write(b), waitDrain, total, chunk).then(
          () => sock.end(),
          () => sock.destroy(),
        );
      });
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  return { server, port };
}

/** readTlsStream: connect, ask for `total` bytes in `chunk` pieces, resolve the bytes received. */
export function readTlsStream(
  port: number,
  m: TlsMaterial,
  total: number,
  chunk: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const sock = connect({
      host: '127.0.0.1',
      port,
      ca: m.ca,
      cert: m.cert,
      key: m.key,
      servername: TLS_SERVER_NAME,
    });
    sock.once('secureConnect', () => sock.write(streamRequest(total, chunk)));
    sock.on('data', (b: Buffer) => {
      got += b.length;
    });
    sock.once('end', () => {
      sock.destroy();
      resolve(got);
    });
    sock.once('error', reject);
  });
}
