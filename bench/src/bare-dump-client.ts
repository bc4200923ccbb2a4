/**
 * The bare coredump client: `node bare-dump-client.js '<json>'` downloads
 * one stored coredump from auxctld with nothing but grpc-js — a generic
 * client of the Coredump method with identity serializers, the frames read
 * by hand (bare-dump-frame.ts) — into a file, hashing it with SHA-256 and
 * checking the digest against the trailer, then prints one JSON line
 * (`{"bytes":n,"sha256":"hex"}`) and exits 0; any failure exits 1.
 *
 * It is the baseline process of the CLI coredump figure
 * (remote-cli-dump.ts): the same RPC, dump, certificates and channel
 * options as `auxctl coredump`, without the client library or the CLI.
 * Receiving, hashing and writing run as a plain program would run them:
 * each chunk is hashed and queued to the file on arrival, and the call is
 * paused while the file stream is full.
 *
 * Never: outlives its call (a deadline bounds it) or leaves the file open.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { type ChannelOptions, Client, credentials, Metadata } from '@grpc/grpc-js';
import {
  type BareDumpRequest,
  decodeBareDumpFrame,
  encodeBareDumpRequest,
} from './bare-dump-frame.js';

/** BareDumpClientConfig: what the bench asks this process to download. */
export interface BareDumpClientConfig {
  address: string;
  /** PEM file paths of the CA and the client's certificate and key. */
  ca: string;
  cert: string;
  key: string;
  options: ChannelOptions;
  request: BareDumpRequest;
  file: string;
  deadlineMs: number;
}

const CORE_DUMP = '/auxctl.v1.CtlService/Coredump';
const identity = (b: Buffer): Buffer => b;

async function download(cfg: BareDumpClientConfig): Promise<{ bytes: number; sha256: string }> {
  const [ca, cert, key] = await Promise.all([cfg.ca, cfg.cert, cfg.key].map((p) => readFile(p)));
  const client = new Client(cfg.address, credentials.createSsl(ca, key, cert), cfg.options);
  const out = createWriteStream(cfg.file);
  const hash = createHash('sha256');
  try {
    const call = client.makeServerStreamRequest(
      CORE_DUMP,
      identity,
      identity,
      encodeBareDumpRequest(cfg.request),
      new Metadata(),
      { deadline: Date.now() + cfg.deadlineMs },
    );
    let next = cfg.request.resume?.offset ?? 0;
    let trailer: Buffer | undefined;
    await new Promise<void>((resolve, reject) => {
      call.on('data', (msg: Buffer) => {
        const f = decodeBareDumpFrame(msg);
        if (f.kind === 'chunk') {
          if (f.offset !== next) reject(new Error(`chunk at ${f.offset}, not ${next}`));
          next += f.data.length;
          hash.update(f.data);
          if (!out.write(f.data)) {
            call.pause();
            out.once('drain', () => call.resume());
          }
        } else if (f.kind === 'trailer') {
          trailer = f.sha256;
        }
      });
      call.on('error', reject);
      call.on('end', resolve);
      out.on('error', reject);
    });
    out.end();
    await finished(out);
    const digest = hash.digest();
    if (!trailer?.equals(digest)) throw new Error('the file does not hash to the trailer');
    return { bytes: next, sha256: digest.toString('hex') };
  } finally {
    out.destroy();
    client.close();
  }
}

download(JSON.parse(process.argv[2] ?? '{}') as BareDumpClientConfig).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`bare-dump-client: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
