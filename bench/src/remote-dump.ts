/**
 * Dump figures of the remote suite: a 64 MiB coredump streamed by auxctld
 * next to the same bytes in the same chunk size from a bare grpc-js server
 * stream and from a raw node:tls socket, and the peak RSS growth of the
 * client and of the server process during one download. The bare stream
 * against the raw socket is reported too: the share of the raw socket's
 * rate that the grpc-js transport itself reaches.
 *
 * The dump is captured once (its SHA-256 checked against the trailer);
 * the timed downloads resume it by dump id from offset 0, so capture time
 * is not in the figure. Every side consumes frames in memory (bytes
 * counted, offsets checked), without hashing or disk, so the figure is the
 * transport and the server's streaming path.
 */
import { createHash } from 'node:crypto';
import type { AuxctlClient } from '@auxctl/client';
import type { CoredumpResponse, DumpResume } from '@auxctl/proto';
import { DEFAULT_CHUNK_SIZE } from '@auxctl/server';
import { median, type Row, ratioSpread, round, roundList, timeInterleaved } from './harness.js';
import { type BareClient, readTlsStream, streamRequest, type TlsMaterial } from './remote-bare.js';
import { sampleRssDuring } from './remote-load.js';
import type { ServerProcess } from './remote-process.js';

/** DUMP_BYTES: the coredump size of the dump figures. */
export const DUMP_BYTES = 64 * 1024 * 1024;
const CHUNK = DEFAULT_CHUNK_SIZE;
const MIB = 1024 * 1024;
/** Deadline of one stream: a stuck transfer fails the run instead of hanging it. */
const STREAM_DEADLINE_MS = 120_000;

/** DumpTarget: where the dump figures run. */
export interface DumpTarget {
  client: AuxctlClient;
  device: string;
  auxctld: ServerProcess;
  bare: BareClient;
  tlsPort: number;
  tls: TlsMaterial;
  ms: number;
}

interface Pulled {
  dumpId: string;
  bytes: number;
  sha256?: Buffer;
}

/** pullCoredump: one Coredump stream (fresh, or resumed), frames checked; hashes when asked. */
async function pullCoredump(
  t: DumpTarget,
  resume: DumpResume | undefined,
  hash: boolean,
): Promise<Pulled> {
  const call = t.client.ctl.coredump(
    { device: t.device, mode: 0, chunkSize: CHUNK, resume },
    { deadline: Date.now() + STREAM_DEADLINE_MS },
  );
  call.on('error', () => {}); // surfaced by the iterator
  const h = hash ? createHash('sha256') : undefined;
  let dumpId = '';
  let size = -1;
  let next = 0;
  let trailer: Buffer | undefined;
  for await (const f of call as AsyncIterable<CoredumpResponse>) {
    const frame = f.frame;
    if (frame?.$case === 'header') {
      dumpId = frame.header.dumpId;
      size = frame.header.size;
    } else if (frame?.$case === 'chunk') {
      if (frame.chunk.offset !== next)
        throw new Error(`chunk at ${frame.chunk.offset}, not ${next}`);
      next += frame.chunk.data.length;
      h?.update(frame.chunk.data);
    } else if (frame?.$case === 'trailer') {
      trailer = frame.trailer.sha256;
    }
  }
  if (trailer === undefined || next !== size) {
    throw new Error(`coredump ended after ${next} of ${size} bytes without a trailer`);
  }
  if (h && !h.digest().equals(trailer)) throw new Error('coredump SHA-256 does not match');
  return { dumpId, bytes: next, ...(h && { sha256: trailer }) };
}

function pullBare(bare: BareClient, total: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let got = 0;
    const call = bare.stream(streamRequest(total, CHUNK));
    call.on('data', (b: Buffer) => {
      got += b.length;
    });
    call.on('error', reject);
    call.on('end', () => resolve(got));
  });
}

async function expectBytes(p: Promise<number>, what: string): Promise<void> {
  const n = await p;
  if (n !== DUMP_BYTES) throw new Error(`${what} moved ${n} bytes, not ${DUMP_BYTES}`);
}

/** measureDump: the dump figures (see the module header); returns rows and result keys. */
export async function measureDump(
  t: DumpTarget,
): Promise<{ rows: Row[]; out: Record<string, number>; rounds: Record<string, string> }> {
  // Capture once, with the server's RSS sampled (the store keeps the whole dump by design).
  let captured: Pulled | undefined;
  const capture = await sampleRssDuring(async () => {
    captured = await pullCoredump(t, undefined, true);
  }, t.auxctld.rssBytes);
  if (!captured || captured.bytes !== DUMP_BYTES) throw new Error('coredump has the wrong size');
  const resume = { dumpId: captured.dumpId, offset: 0 };
  const aux = async (): Promise<void> => {
    const p = await pullCoredump(t, resume, false);
    if (p.bytes !== DUMP_BYTES) throw new Error('resumed coredump has the wrong size');
  };
  const bare = () => expectBytes(pullBare(t.bare, DUMP_BYTES), 'bare stream');
  const tls = () =>
    expectBytes(readTlsStream(t.tlsPort, t.tls, DUMP_BYTES, CHUNK), 'raw TLS socket');

  // Warm every path once, then rounds of the three in turn (bounded: 6..10 rounds). On
  // loopback a transfer runs in one of two speeds about 2x apart (how the processes share
  // the cores, which changes from one moment to the next), so the ratios are the median of
  // the per-round ratios — each comparing transfers made back to back — and the MiB/s
  // figures the best round of each side.
  await aux();
  await bare();
  await tls();
  const repeat = Math.max(6, Math.min(10, Math.round(t.ms / 200)));
  const times = await timeInterleaved([aux, bare, tls], repeat);
  const best = (k: number) => Math.min(...times.map((r) => r[k] as number));
  const [auxMs, bareMs, tlsMs] = [best(0), best(1), best(2)];
  // Per round: side `subject`'s rate over side `baseline`'s (the baseline's time over the subject's).
  const roundRatios = (baseline: number, subject = 0) =>
    times.map((r) => (r[baseline] as number) / (r[subject] as number));
  const pairRatio = (baseline: number, subject = 0) =>
    round(median(roundRatios(baseline, subject)), 3);
  const spread = (baseline: number, subject = 0) => ratioSpread(roundRatios(baseline, subject));
  const rate = (ms: number) => DUMP_BYTES / MIB / (ms / 1000);

  // RSS during one more resumed download (after the timed ones, so the sampler costs no figure).
  global.gc?.();
  const during = await sampleRssDuring(aux, t.auxctld.rssBytes);

  const out: Record<string, number> = {
    dump_bytes: DUMP_BYTES,
    dump_chunk_bytes: CHUNK,
    dump_stream_mib_per_s: round(rate(auxMs)),
    dump_bare_grpc_mib_per_s: round(rate(bareMs)),
    dump_tls_socket_mib_per_s: round(rate(tlsMs)),
    dump_stream_vs_bare_ratio: pairRatio(1),
    dump_stream_vs_tls_socket_ratio: pairRatio(2),
    // The transport's own share: how close grpc-js itself comes to the raw socket.
    dump_bare_grpc_vs_tls_socket_ratio: pairRatio(2, 1),
    dump_rounds: repeat,
    dump_client_rss_growth_mib: round(during.client / MIB),
    dump_server_rss_growth_mib: round(during.server / MIB),
    dump_rss_samples: during.samples,
    dump_server_rss_capture_growth_mib: round(capture.server / MIB),
  };
  const mibs = (x: number) => `${round(x)} MiB/s`;
  const rows: Row[] = [
    {
      what: `coredump 64 MiB resumed stream, ${CHUNK / 1024} KiB chunks (rounds ${spread(1)})`,
      value: mibs(rate(auxMs)),
      baseline: `${mibs(rate(bareMs))} bare grpc`,
      ratio: out.dump_stream_vs_bare_ratio,
      goal: '>= 0.9',
    },
    {
      what: `coredump 64 MiB vs raw node:tls socket (rounds ${spread(2)})`,
      value: mibs(rate(auxMs)),
      baseline: `${mibs(rate(tlsMs))} raw tls`,
      ratio: out.dump_stream_vs_tls_socket_ratio,
      goal: '>= 0.9',
    },
    {
      what: `bare grpc-js stream vs raw node:tls socket, the transport's share (rounds ${spread(2, 1)})`,
      value: mibs(rate(bareMs)),
      baseline: `${mibs(rate(tlsMs))} raw tls`,
      ratio: out.dump_bare_grpc_vs_tls_socket_ratio,
    },
    {
      what: 'coredump peak RSS growth, client',
      value: `${out.dump_client_rss_growth_mib} MiB`,
      goal: '<= 32 MiB',
    },
    {
      what: 'coredump peak RSS growth, server process',
      value: `${out.dump_server_rss_growth_mib} MiB`,
      goal: '<= 80 MiB',
    },
  ];
  const rounds = {
    dump_stream_vs_bare_round_ratios: roundList(roundRatios(1)),
    dump_stream_vs_tls_socket_round_ratios: roundList(roundRatios(2)),
    dump_bare_grpc_vs_tls_socket_round_ratios: roundList(roundRatios(2, 1)),
  };
  return { rows, out, rounds };
}
