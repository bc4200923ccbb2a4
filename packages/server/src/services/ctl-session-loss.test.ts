import { buildInbox } from '@auxctl/core';
import { CTL_DRIVER_NAME } from '@auxctl/ctl-aux';
import { NopIn, Op } from '@auxctl/prm';
import {
  type CtlServiceClient,
  RpcScope,
  type SessionInfo,
  type SessionRequest,
  type SessionResponse,
} from '@auxctl/proto';
import { type ClientDuplexStream, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test-support/server-harness.js';

// A Session whose context goes away with its device (fatal error, reload,
// removal of the ctl device, an SF deactivated) ends with UNAVAILABLE and
// gives its session slot back at once: a principal whose every session died
// with the device opens a new one as soon as the device is up again.

const DEV0 = '0000:08:00.0';
const MAX_SESSIONS = 2;

type Stream = ClientDuplexStream<SessionRequest, SessionResponse>;

/** OpenSession: a session stream, its info, and how it ended (undefined: status OK). */
interface OpenSession {
  stream: Stream;
  info: SessionInfo;
  ended: Promise<ServiceError | undefined>;
  answers: SessionResponse[];
}

function openSession(c: CtlServiceClient, device = DEV0): Promise<OpenSession> {
  const stream = c.session();
  const answers: SessionResponse[] = [];
  let markEnded: (e: ServiceError | undefined) => void = () => {};
  const ended = new Promise<ServiceError | undefined>((r) => {
    markEnded = r;
  });
  stream.on('status', (s: { code: number }) => {
    if (s.code === status.OK) markEnded(undefined);
  });
  stream.on('error', (e: ServiceError) => markEnded(e));
  return new Promise((resolve, reject) => {
    stream.on('data', (m: SessionResponse) => {
      if (m.kind?.$case === 'info') resolve({ stream, info: m.kind.info, ended, answers });
      else answers.push(m);
    });
    void ended.then((e) => reject(e ?? new Error('session ended before info')));
    stream.write({
      kind: { $case: 'open', open: { device, scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY } },
    });
  });
}

/** until: wait (bounded by iterations, not time) for `cond`. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('a Session whose device goes away', () => {
  let h: Harness;
  let admin: CtlServiceClient;

  beforeAll(async () => {
    h = await startHarness({
      limits: { sessionsPerPrincipal: MAX_SESSIONS },
      // Recovery without the grace period, so a fatal error recovers at once.
      health: { poll: false, gracePeriodMs: 0 },
    });
    admin = h.ctl(h.admin);
  });
  afterAll(async () => {
    await h.close();
  });

  /** fill: open every session slot of the admin principal on `device`. */
  async function fill(device = DEV0): Promise<OpenSession[]> {
    const out: OpenSession[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) out.push(await openSession(admin, device));
    // The slots really are full: one more is refused.
    const extra = await openSession(admin, device).then(
      (s) => {
        s.stream.cancel();
        return undefined;
      },
      (e: ServiceError) => e,
    );
    expect(extra?.code).toBe(status.RESOURCE_EXHAUSTED);
    return out;
  }

  /** expectAllUnavailableThenReopen: every session ended UNAVAILABLE, and a new one opens. */
  async function expectAllUnavailableThenReopen(
    sessions: OpenSession[],
    device = DEV0,
  ): Promise<void> {
    for (const s of sessions) {
      const e = await s.ended;
      expect(e?.code).toBe(status.UNAVAILABLE);
    }
    expect(h.server.fleet.core(device).state).toBe('up');
    const again = await openSession(admin, device);
    again.stream.write({
      kind: { $case: 'rpc', rpc: { requestId: 1, inbox: buildInbox(NopIn, Op.NOP), outLen: 16 } },
    });
    again.stream.end();
    expect(await again.ended).toBeUndefined();
    expect(again.answers.map((m) => m.kind?.$case)).toEqual(['result']);
  }

  it('a fatal firmware error (then recovery) ends every session with UNAVAILABLE', async () => {
    const sessions = await fill();
    const core = h.server.fleet.core(DEV0);
    h.server.fleet.sim(DEV0).faults.fatal();
    core.health.poller.poll();
    await until(() => core.state === 'up', 'the device to recover');
    await expectAllUnavailableThenReopen(sessions);
  });

  it('a fatal firmware error ends the sessions before any recovery', async () => {
    const dev1 = '0000:09:00.0';
    const sessions = await fill(dev1);
    const core = h.server.fleet.core(dev1);
    const sim = h.server.fleet.sim(dev1);
    // Hold the recovery: the reset waits until released.
    let releaseReset: () => void = () => {};
    const held = new Promise<void>((r) => {
      releaseReset = r;
    });
    const reset = sim.reset.bind(sim);
    sim.reset = async () => {
      await held;
      return reset();
    };
    try {
      sim.faults.fatal();
      core.health.poller.poll();
      for (const s of sessions) expect((await s.ended)?.code).toBe(status.UNAVAILABLE);
      expect(core.state).not.toBe('up');
    } finally {
      releaseReset();
    }
    await until(() => core.state === 'up', 'the device to recover');
    await expectAllUnavailableThenReopen([], dev1);
  });

  it('a reload ends every session with UNAVAILABLE', async () => {
    const sessions = await fill();
    await h.server.fleet.core(DEV0).reload();
    await expectAllUnavailableThenReopen(sessions);
  });

  it('removal of the ctl device ends every session with UNAVAILABLE', async () => {
    const sessions = await fill();
    const aux = `mlx5_core.ctl.${h.server.fleet.core(DEV0).id}`;
    await h.server.fleet.bus.unbind(aux, CTL_DRIVER_NAME);
    for (const s of sessions) expect((await s.ended)?.code).toBe(status.UNAVAILABLE);
    await h.server.fleet.bus.bind(aux, CTL_DRIVER_NAME);
    await expectAllUnavailableThenReopen([]);
  });

  it('an SF deactivated under its sessions ends them with UNAVAILABLE', async () => {
    const pf = h.server.fleet.core(DEV0).portFunctions;
    const port = await pf.add({ pfnum: 0, sfnum: 77 });
    try {
      const sf = (await pf.activate(port)).nestedCore?.name ?? '';
      const sessions = await fill(sf);
      await pf.deactivate(port);
      for (const s of sessions) expect((await s.ended)?.code).toBe(status.UNAVAILABLE);
      const up = (await pf.activate(port)).nestedCore?.name ?? '';
      await expectAllUnavailableThenReopen([], up);
    } finally {
      await pf.delete(port);
    }
  });
});
