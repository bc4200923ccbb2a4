/**
 * A trivial CtlService for the end-to-end test: Exec answers with an outbox
 * derived from the inbox, Session echoes pipelined RPCs, and the dump calls
 * stream an in-memory dump in the header / chunks / trailer framing,
 * honouring backpressure and resume offsets the way a real server must.
 *
 * Owns: nothing beyond the call it serves. Never: used outside tests.
 */
import { createHash } from 'node:crypto';
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type {
  CoredumpRequest,
  CoredumpResponse,
  CtlServiceServer,
  HealthDumpRequest,
  HealthDumpResponse,
  ResourceDumpRequest,
  ResourceDumpResponse,
  SessionRequest,
} from '../gen/auxctl/v1/ctl_service.js';
import { DumpMode, type DumpResume } from '../gen/auxctl/v1/dump.js';

/** CMD_HEADER_BYTES: the 16-byte command header every inbox and outbox starts with. */
export const CMD_HEADER_BYTES = 16;

/** FakeDump: a dump the fake store holds. */
export interface FakeDump {
  readonly dumpId: string;
  readonly data: Buffer;
  readonly createdAt: Date;
}

/** fakeOutbox: the fake firmware's answer: status OK, then the inbox's bytes echoed, zero-padded. */
export function fakeOutbox(inbox: Buffer, outLen: number): Buffer {
  const out = Buffer.alloc(outLen);
  inbox.copy(out, CMD_HEADER_BYTES, 0, Math.max(0, outLen - CMD_HEADER_BYTES));
  return out;
}

function grpcError(code: status, details: string) {
  return Object.assign(new Error(details), { code, details });
}

/** waitWritable: resolves on `drain`, or when the call is cancelled (then nothing more is written). */
function waitWritable(call: ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

type DumpCall = ServerWritableStream<
  CoredumpRequest | ResourceDumpRequest | HealthDumpRequest,
  CoredumpResponse | ResourceDumpResponse | HealthDumpResponse
>;

/** streamDump: header, chunks from the resume offset (one in flight past the transport's buffer), trailer. */
async function streamDump(
  call: DumpCall,
  dump: FakeDump,
  resume: DumpResume | undefined,
  chunkSize: number,
): Promise<void> {
  // grpc-js sends a stream's error status on its 'error' event; destroy() would not.
  if (resume && resume.dumpId !== dump.dumpId) {
    call.emit(
      'error',
      grpcError(status.NOT_FOUND, `no stored dump ${resume.dumpId}; capture afresh`),
    );
    return;
  }
  const start = resume?.offset ?? 0;
  if (start > dump.data.length) {
    call.emit('error', grpcError(status.OUT_OF_RANGE, `offset ${start} is past the dump's end`));
    return;
  }
  call.write({
    frame: {
      $case: 'header',
      header: {
        dumpId: dump.dumpId,
        size: dump.data.length,
        device: call.request.device,
        fwVersion: '22.41.1000',
        createdAt: dump.createdAt,
        chunkSize,
        offset: start,
        mode: DumpMode.DUMP_MODE_UMEM,
      },
    },
  });
  for (let offset = start; offset < dump.data.length; offset += chunkSize) {
    if (call.cancelled) return;
    const data = dump.data.subarray(offset, offset + chunkSize);
    if (!call.write({ frame: { $case: 'chunk', chunk: { offset, data } } })) {
      await waitWritable(call);
    }
  }
  if (call.cancelled) return;
  const sha256 = createHash('sha256').update(dump.data).digest();
  // grpc-js `end(arg)` takes trailing metadata, not a last message: write, then end.
  call.write({ frame: { $case: 'trailer', trailer: { sha256 } } });
  call.end();
}

/** fakeCtlService: the implementation, over one stored coredump and one resource dump. */
export function fakeCtlService(
  coredump: FakeDump,
  resourceDump: FakeDump,
  chunkSize: number,
): CtlServiceServer {
  return {
    exec(call, callback) {
      const { inbox, outLen } = call.request;
      if (inbox.length < CMD_HEADER_BYTES || outLen < CMD_HEADER_BYTES) {
        callback(grpcError(status.INVALID_ARGUMENT, 'EINVAL: inbox and out_len must be >= 16'));
        return;
      }
      callback(null, { outbox: fakeOutbox(inbox, outLen) });
    },
    session(call) {
      let opened = false;
      call.on('data', (req: SessionRequest) => {
        const kind = req.kind;
        if (!opened) {
          if (kind?.$case !== 'open') {
            call.emit(
              'error',
              grpcError(status.FAILED_PRECONDITION, 'the first message must be open'),
            );
            return;
          }
          opened = true;
          call.write({
            kind: {
              $case: 'info',
              info: { uid: 7, uctxCap: 5, devUctxCap: 7, ucap: 5, tainted: [], maxInFlight: 4 },
            },
          });
          return;
        }
        if (kind?.$case !== 'rpc') return;
        const { requestId, inbox, outLen } = kind.rpc;
        if (outLen < CMD_HEADER_BYTES) {
          call.write({
            kind: { $case: 'error', error: { requestId, code: 'EINVAL', message: 'out_len < 16' } },
          });
          return;
        }
        call.write({
          kind: { $case: 'result', result: { requestId, outbox: fakeOutbox(inbox, outLen) } },
        });
      });
      call.on('end', () => call.end());
    },
    coredump(call) {
      void streamDump(call, coredump, call.request.resume, chunkSize);
    },
    resourceDump(call) {
      void streamDump(call, resourceDump, call.request.resume, chunkSize);
    },
    // A reporter's dump: fw_fatal keeps the crdump, so the coredump serves.
    healthDump(call) {
      void streamDump(call, coredump, call.request.resume, chunkSize);
    },
  };
}
