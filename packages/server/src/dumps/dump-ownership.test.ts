/**
 * End-to-end: a dump id is not a password. Only the principal that
 * captured a dump, or one the policy allows RESUME_ANY_DUMP on its device,
 * may resume it; anyone else gets exactly what an unknown id gets, and
 * the audit log records the truth.
 */
import { Writable } from 'node:stream';
import {
  type CoredumpResponse,
  type CtlServiceClient,
  DumpMode,
  type DumpResume,
} from '@auxctl/proto';
import { type ServiceError, status } from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PolicyDocument, RESUME_ANY_DUMP } from '../policy/index.js';
import { type Harness, startHarness } from '../test-support/server-harness.js';

const ADMIN = 'spiffe://auxctl/admin';
const ALICE = 'spiffe://auxctl/alice';
const BOB = 'spiffe://auxctl/bob';
const SUPPORT = 'spiffe://auxctl/support';
const DEV0 = '0000:08:00.0';
const READ_DEV0 = {
  methods: ['auxctl.v1.CtlService/*'],
  devices: [DEV0],
  maxScope: 'DEBUG_READ_ONLY' as const,
};
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [
    { principals: [ADMIN], methods: ['*'], devices: ['*'] },
    { principals: [ALICE, BOB], ...READ_DEV0 },
    { principals: [SUPPORT], ...READ_DEV0 },
    { principals: [SUPPORT], methods: [RESUME_ANY_DUMP], devices: [DEV0] },
  ],
};

interface Outcome {
  id: string;
  bytes: number;
  trailer: boolean;
  error: ServiceError | undefined;
}

function pull(c: CtlServiceClient, resume?: DumpResume): Promise<Outcome> {
  const s = c.coredump({ device: DEV0, mode: DumpMode.DUMP_MODE_UMEM, chunkSize: 0, resume });
  const o: Outcome = { id: '', bytes: 0, trailer: false, error: undefined };
  return new Promise((resolve) => {
    s.on('data', (m: CoredumpResponse) => {
      const f = m.frame;
      if (f?.$case === 'header') o.id = f.header.dumpId;
      if (f?.$case === 'chunk') o.bytes += f.chunk.data.length;
      if (f?.$case === 'trailer') o.trailer = true;
    });
    s.on('error', (err: ServiceError) => {
      o.error = err;
      resolve(o);
    });
    s.on('end', () => resolve(o));
  });
}

describe('dump ownership', () => {
  let h: Harness;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
        cb();
      },
    });
    h = await startHarness({
      policy: POLICY,
      crdumpSize: 256 * 1024,
      auditLogger: pino({ level: 'info' }, sink),
    });
  });

  afterAll(() => h.close());

  it('serves a resume only to the capturing principal or one granted RESUME_ANY_DUMP', async () => {
    const alice = h.ctl(await h.clientAs(ALICE));
    const bob = h.ctl(await h.clientAs(BOB));
    const support = h.ctl(await h.clientAs(SUPPORT));
    const mine = await pull(alice);
    expect(mine.error).toBeUndefined();
    expect(mine.trailer).toBe(true);

    const own = await pull(alice, { dumpId: mine.id, offset: 0 });
    expect([own.error, own.bytes, own.trailer]).toEqual([undefined, mine.bytes, true]);

    // Bob is allowed on the device, but the dump is not his: the same answer as an unknown id.
    const stolen = await pull(bob, { dumpId: mine.id, offset: 0 });
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAA';
    const unknown = await pull(bob, { dumpId: unknownId, offset: 0 });
    expect(stolen.error?.code).toBe(status.NOT_FOUND);
    expect(unknown.error?.code).toBe(status.NOT_FOUND);
    expect(stolen.error?.details.replace(mine.id, unknownId)).toBe(unknown.error?.details);
    expect(stolen.error?.details).not.toContain(DEV0);
    expect([stolen.id, stolen.bytes]).toEqual(['', 0]);

    // The audit line says what happened.
    const refused = lines.find((l) => l.event === 'refused' && l.principal === BOB);
    expect(refused).toMatchObject({
      kind: 'authorization',
      device: DEV0,
      detail: { owner: ALICE, dumpId: mine.id },
      code: 'NOT_FOUND',
    });

    const helped = await pull(support, { dumpId: mine.id, offset: 0 });
    expect([helped.error, helped.bytes, helped.trailer]).toEqual([undefined, mine.bytes, true]);
    const byAdmin = await pull(h.ctl(h.admin), { dumpId: mine.id, offset: 0 });
    expect(byAdmin.error).toBeUndefined();
  });
});
