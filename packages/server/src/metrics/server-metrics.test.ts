import { get } from 'node:http';
import { buildInbox } from '@auxctl/core';
import { NopIn, Op } from '@auxctl/prm';
import {
  type CoredumpResponse,
  DumpMode,
  type ExecRequest,
  type ExecResponse,
  RpcScope,
  type SessionResponse,
} from '@auxctl/proto';
import { type ServiceError, status } from '@grpc/grpc-js';
import { register } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, unaryCall } from '../test-support/server-harness.js';
import { RECORD_BATCH, ServerMetrics } from './server-metrics.js';
import { parsePromText, type Sample, sampleValue } from './test-support/prom-text.js';

const DEV0 = '0000:08:00.0';
const EXEC = 'auxctl.v1.CtlService/Exec';
const SESSION = 'auxctl.v1.CtlService/Session';
const COREDUMP = 'auxctl.v1.CtlService/Coredump';

interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

function httpGet(address: string, path: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    get(`http://${address}${path}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type']),
          body,
        }),
      );
    }).on('error', reject);
  });
}

async function scrape(address: string): Promise<Sample[]> {
  const res = await httpGet(address, '/metrics');
  expect(res.status).toBe(200);
  expect(res.contentType).toContain('text/plain');
  return parsePromText(res.body);
}

function exec(h: Harness, req: Partial<ExecRequest>): Promise<ExecResponse> {
  const c = h.ctl(h.admin);
  return unaryCall(c.exec.bind(c), {
    device: DEV0,
    scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
    inbox: buildInbox(NopIn, Op.NOP),
    outLen: 16,
    ...req,
  });
}

describe('auxctld metrics over GET /metrics', () => {
  let h: Harness;
  let metricsAddress: string;
  let closed = false;
  beforeAll(async () => {
    h = await startHarness({ metricsListen: '127.0.0.1:0' });
    metricsAddress = h.server.metricsAddress ?? '';
  });
  afterAll(async () => {
    if (!closed) await h.close();
  });

  it('binds the endpoint on loopback and answers other paths with 404', async () => {
    expect(metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await httpGet(metricsAddress, '/')).status).toBe(404);
    const idle = await scrape(metricsAddress);
    expect(sampleValue(idle, 'auxctl_sessions_active')).toBe(0);
    expect(sampleValue(idle, 'auxctl_dumps_active')).toBe(0);
    expect(sampleValue(idle, 'auxctl_dump_store_bytes')).toBe(0);
  });

  it('counts calls and firmware commands of Exec by method, code, opcode and status', async () => {
    await exec(h, {});
    const unknown = Buffer.alloc(16);
    unknown.writeUInt16BE(0x7ffe, 0);
    const err = (await exec(h, { inbox: unknown }).then(
      () => undefined,
      (e: unknown) => e,
    )) as ServiceError | undefined;
    expect(err).toBeDefined();
    const code = status[err?.code ?? status.OK];

    const s = await scrape(metricsAddress);
    expect(sampleValue(s, 'auxctl_rpc_total', { method: EXEC, code: 'OK' })).toBe(1);
    expect(sampleValue(s, 'auxctl_rpc_total', { method: EXEC, code })).toBe(1);
    expect(sampleValue(s, 'auxctl_rpc_duration_seconds_count', { method: EXEC })).toBe(2);
    expect(
      sampleValue(s, 'auxctl_fw_commands_total', { device: DEV0, opcode: 'NOP', status: 'OK' }),
    ).toBe(1);
    // The unknown opcode is counted under "other", with the errno the RPC failed with.
    const other = s.filter(
      (x) => x.name === 'auxctl_fw_commands_total' && x.labels.opcode === 'other',
    );
    expect(other).toHaveLength(1);
    expect(other[0]?.labels.status).toMatch(/^E[A-Z]+$/);
    expect(sampleValue(s, 'auxctl_fw_command_duration_seconds_count', { opcode: 'NOP' })).toBe(1);
  });

  it('shows an open Session as active, counts its RPCs, and returns to 0 after it ends', async () => {
    const stream = h.ctl(h.admin).session();
    const answers: SessionResponse[] = [];
    let onAnswer: () => void = () => {};
    stream.on('data', (m: SessionResponse) => {
      answers.push(m);
      onAnswer();
    });
    const ended = new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const answered = (n: number): Promise<void> =>
      new Promise((resolve) => {
        onAnswer = () => {
          if (answers.length >= n) resolve();
        };
        onAnswer();
      });
    stream.write({
      kind: { $case: 'open', open: { device: DEV0, scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY } },
    });
    await answered(1);
    expect(answers[0]?.kind?.$case).toBe('info');
    expect(sampleValue(await scrape(metricsAddress), 'auxctl_sessions_active')).toBe(1);

    for (let i = 1; i <= 3; i++) {
      stream.write({
        kind: { $case: 'rpc', rpc: { requestId: i, inbox: buildInbox(NopIn, Op.NOP), outLen: 16 } },
      });
    }
    await answered(4);
    stream.end();
    await ended;

    const s = await scrape(metricsAddress);
    expect(sampleValue(s, 'auxctl_sessions_active')).toBe(0);
    expect(sampleValue(s, 'auxctl_rpc_total', { method: SESSION, code: 'OK' })).toBe(1);
    expect(
      sampleValue(s, 'auxctl_fw_commands_total', { device: DEV0, opcode: 'NOP', status: 'OK' }),
    ).toBe(4);
  });

  it('counts the bytes of a coredump download and the store holding it', async () => {
    const stream = h
      .ctl(h.admin)
      .coredump({ device: DEV0, mode: DumpMode.DUMP_MODE_UMEM, chunkSize: 0 });
    let size = 0;
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (m: CoredumpResponse) => {
        const f = m.frame;
        if (f?.$case === 'header') size = f.header.size;
        if (f?.$case === 'chunk') received += f.chunk.data.length;
      });
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    expect(size).toBeGreaterThan(0);
    expect(received).toBe(size);

    const s = await scrape(metricsAddress);
    expect(sampleValue(s, 'auxctl_rpc_total', { method: COREDUMP, code: 'OK' })).toBe(1);
    expect(sampleValue(s, 'auxctl_dump_bytes_total', { kind: 'coredump' })).toBe(size);
    expect(sampleValue(s, 'auxctl_dump_store_bytes')).toBe(size);
    expect(sampleValue(s, 'auxctl_dumps_active')).toBe(0);
    // The capture's register reads are firmware RPCs of the same device.
    expect(
      sampleValue(s, 'auxctl_fw_commands_total', {
        device: DEV0,
        opcode: 'ACCESS_REG',
        status: 'OK',
      }),
    ).toBeGreaterThan(0);
  });

  it('closes the metrics endpoint on stop()', async () => {
    await h.close();
    closed = true;
    const err = await httpGet(metricsAddress, '/metrics').then(
      () => undefined,
      (e: unknown) => e as NodeJS.ErrnoException,
    );
    expect(err?.code).toBe('ECONNREFUSED');
  });
});

describe('ServerMetrics registries', () => {
  it('keeps each server in its own registry, away from the global one', async () => {
    const zero = { sessionsActive: () => 0, dumpsActive: () => 0, dumpStoreBytes: () => 0 };
    const a = new ServerMetrics({ ...zero, sessionsActive: () => 3 });
    const b = new ServerMetrics(zero);
    a.rpc(EXEC, 'OK', 0.001);
    a.dumpBytes('coredump', 10);
    const sa = parsePromText(await a.text());
    const sb = parsePromText(await b.text());
    expect(sampleValue(sa, 'auxctl_rpc_total', { method: EXEC, code: 'OK' })).toBe(1);
    expect(sampleValue(sb, 'auxctl_rpc_total')).toBe(0);
    expect(sampleValue(sa, 'auxctl_dump_bytes_total', { kind: 'coredump' })).toBe(10);
    expect(sampleValue(sa, 'auxctl_sessions_active')).toBe(3);
    expect(sampleValue(sb, 'auxctl_sessions_active')).toBe(0);
    expect(register.getSingleMetric('auxctl_rpc_total')).toBeUndefined();
  });

  it('shows every recorded call and firmware command at each scrape, whatever the batch holds', async () => {
    const m = new ServerMetrics({
      sessionsActive: () => 0,
      dumpsActive: () => 0,
      dumpStoreBytes: () => 0,
    });
    let calls = 0;
    for (const n of [1, RECORD_BATCH - 2, 1, RECORD_BATCH + 7]) {
      for (let i = 0; i < n; i++) {
        m.rpc(EXEC, 'OK', 0.002);
        m.fwCommand({ device: DEV0, opcode: 'NOP', status: 'OK', seconds: 0.0002 });
      }
      calls += n;
      const s = parsePromText(await m.text());
      expect(sampleValue(s, 'auxctl_rpc_total', { method: EXEC, code: 'OK' })).toBe(calls);
      expect(sampleValue(s, 'auxctl_rpc_duration_seconds_count', { method: EXEC })).toBe(calls);
      expect(
        sampleValue(s, 'auxctl_rpc_duration_seconds_bucket', { method: EXEC, le: '0.005' }),
      ).toBe(calls);
      expect(
        sampleValue(s, 'auxctl_fw_commands_total', { device: DEV0, opcode: 'NOP', status: 'OK' }),
      ).toBe(calls);
      expect(sampleValue(s, 'auxctl_fw_command_duration_seconds_count', { opcode: 'NOP' })).toBe(
        calls,
      );
    }
  });
});
