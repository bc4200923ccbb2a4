import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// `auxctl obj` against auxctld over mutual TLS: firmware objects the kernel
// drivers made (the core's EQs, a netdev's CQ) dumped by type and id through a
// remote tools context, decoded with prm's layouts, as hex, or written raw;
// the policy allows one device and denies the other.

const ADMIN = 'spiffe://auxctl/admin';
const PF0 = '0000:08:00.0';
const PF1 = '0000:09:00.0';
/** Everything allowed, except Exec (which obj, cap and reg use) on PF1. */
const EXEC_DENIED_ON_PF1: PolicyDocument = {
  version: 1,
  deny: [{ principals: [ADMIN], methods: ['auxctl.v1.CtlService/Exec'], devices: [PF1] }],
  allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
};

describe('auxctl obj against auxctld', () => {
  let s: RunningServer;
  let dir: string;
  beforeAll(async () => {
    s = await startAuxctld(EXEC_DENIED_ON_PF1);
    dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-obj-'));
    // Bring PF0's netdev up, as a host would: the core's EQs and the channel's CQs exist then.
    const eth = s.servers[0]?.fleet.bus.find('mlx5_core.eth.0')?.drvdata as
      | { open(): Promise<void> }
      | undefined;
    await eth?.open();
  });
  afterAll(async () => {
    await s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** kernelObject: the id of a `type` object uid 0 owns on PF0. */
  function kernelObject(type: string): number {
    const fleet = s.servers[0]?.fleet;
    if (!fleet) throw new Error('no fleet');
    for (const o of fleet.sim(PF0).engine.objects())
      if (o.type === type && o.uid === 0) return o.id;
    throw new Error(`PF0 has no ${type}`);
  }

  it("decodes the core's EQ with prm's layout, as a table and as JSON", async () => {
    const eqn = kernelObject('EQ');
    const j = await runCli(s, ['--json', 'obj', PF0, 'eq', '--id', String(eqn)]);
    expect(j.code, j.err).toBe(ExitCode.OK);
    const doc = JSON.parse(j.out) as { type: string; id: number; fields: Record<string, number> };
    expect(doc).toMatchObject({ type: 'eq', id: eqn });
    expect(doc.fields.status).toBe(0);
    expect(doc.fields['eq_context_entry.log_eq_size']).toBeGreaterThan(0);
    expect(Object.keys(doc.fields).some((k) => /(^|\.)reserved/.test(k))).toBe(false);
    const text = await runCli(s, ['obj', PF0, 'eq', '--id', `0x${eqn.toString(16)}`]);
    expect(text.out).toMatch(new RegExp(`^device ${PF0} eq eqn ${eqn} \\(query_eq_out\\)$`, 'm'));
    expect(text.out).toMatch(/^eq_context_entry\.log_eq_size +\d+/m);
  });

  it('prints the outbox as hex with --hex and writes it byte for byte with --raw FILE', async () => {
    const eqn = kernelObject('EQ');
    const hex = await runCli(s, ['obj', PF0, 'eq', '--id', String(eqn), '--hex']);
    expect(hex.code, hex.err).toBe(ExitCode.OK);
    const lines = hex.out.trimEnd().split('\n').slice(1);
    expect(lines.every((l) => /^([0-9a-f]{2} ){0,15}[0-9a-f]{2}$/.test(l))).toBe(true);
    const file = join(dir, 'eq.bin');
    const raw = await runCli(s, ['obj', PF0, 'eq', '--id', String(eqn), '--raw', file]);
    expect(raw.code, raw.err).toBe(ExitCode.OK);
    const bytes = await readFile(file);
    expect(bytes.toString('hex')).toBe(lines.join('').replaceAll(' ', ''));
    expect(bytes[0]).toBe(0); // status OK, as firmware returned it
  });

  it('queries that name no object, and vport ones with or without an id', async () => {
    for (const type of ['issi', 'adapter', 'vport_state', 'nic_vport_context']) {
      const r = await runCli(s, ['--json', 'obj', PF0, type]);
      expect(r.code, `${type}: ${r.err}`).toBe(ExitCode.OK);
    }
    const own = JSON.parse((await runCli(s, ['--json', 'obj', PF0, 'nic_vport_context'])).out) as {
      fields: Record<string, string | number>;
    };
    expect(
      Object.keys(own.fields).some((k) => k.startsWith('nic_vport_context.permanent_address')),
    ).toBe(true);
  });

  it('refuses unknown objects and types, a missing --id, and a denied device', async () => {
    const gone = await runCli(s, ['obj', PF0, 'cq', '--id', '0xffffff']);
    expect(gone.code).toBe(ExitCode.REMOTE);
    expect(gone.err).toMatch(/QUERY_CQ 16777215 failed: status BAD_RES/);
    // The netdev's CQ, the kernel's, through the tools context.
    const cq = await runCli(s, ['--json', 'obj', PF0, 'cq', '--id', String(kernelObject('CQ'))]);
    expect(cq.code, cq.err).toBe(ExitCode.OK);
    expect(JSON.parse(cq.out).fields['cq_context.log_cq_size']).toBeGreaterThan(0);
    const unknown = await runCli(s, ['obj', PF0, 'pd', '--id', '1']);
    expect(unknown.code).toBe(ExitCode.USAGE);
    expect(unknown.err).toMatch(/unknown object "pd"; objects: eq, cq, qp/);
    expect((await runCli(s, ['obj', PF0, 'qp'])).code).toBe(ExitCode.USAGE);
    const denied = await runCli(s, ['obj', PF1, 'issi']);
    expect(denied.code).toBe(ExitCode.PERMISSION);
  });
});

describe('auxctl reg and cap: every register and cap type, decoded, hex or raw', () => {
  let s: RunningServer;
  let dir: string;
  beforeAll(async () => {
    s = await startAuxctld(EXEC_DENIED_ON_PF1);
    dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-reg-'));
  });
  afterAll(async () => {
    await s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads PMTU, PAOS and the tracer registers with their prm layouts', async () => {
    const pmtu = await runCli(s, ['--json', 'reg', PF0, '--id', 'PMTU', '--port', '1']);
    expect(pmtu.code, pmtu.err).toBe(ExitCode.OK);
    const p = JSON.parse(pmtu.out) as { register: string; fields: Record<string, number> };
    expect(p.register).toBe('PMTU');
    expect(p.fields.local_port).toBe(1);
    expect(p.fields.max_mtu).toBeGreaterThanOrEqual(p.fields.admin_mtu as number);
    for (const id of ['PAOS', 'MTRC_CAP', 'MTRC_CONF', 'MTRC_CTRL', '0x5003', 'DTOR']) {
      const r = await runCli(s, ['--json', 'reg', PF0, '--id', id]);
      expect(r.code, `${id}: ${r.err}`).toBe(ExitCode.OK);
      expect(Object.keys((JSON.parse(r.out) as { fields: object }).fields).length).toBeGreaterThan(
        0,
      );
    }
    // The default timeouts a ConnectX-6 Dx reports (mlx5ctl's sample), decoded as the tool does.
    const dtor = JSON.parse((await runCli(s, ['--json', 'reg', PF0, '--id', 'dtor'])).out) as {
      fields: Record<string, number>;
    };
    expect(dtor.fields).toMatchObject({
      'full_crdump_to.to_value': 60,
      'full_crdump_to.to_multiplier': 1,
      'reclaim_vfs_pages_to.to_value': 120,
      'tear_down_to.to_value': 10,
    });
    const node = await runCli(s, ['reg', PF0, '--id', 'NODE_DESC']);
    expect(node.out).toMatch(/^node_description +MT4125 ConnectX6Dx Mellanox Technologies$/m);
    const qos = JSON.parse((await runCli(s, ['--json', 'cap', PF0, '--id', 'qos'])).out) as {
      fields: Record<string, number>;
    };
    expect(qos.fields).toMatchObject({ packet_pacing_max_rate: 100000000, max_tsar_bw_share: 100 });
    const text = await runCli(s, ['reg', PF0, '--id', 'pmtu']);
    expect(text.out).toMatch(/^device 0000:08:00\.0 PMTU port 1 \(pmtu_reg\)$/m);
    expect(text.out).toMatch(/^max_mtu +\d+/m);
  });

  it('--hex and --raw FILE give the register data as firmware returned it, PPCNT included', async () => {
    const hex = await runCli(s, ['reg', PF0, '--id', 'PPCNT', '--hex']);
    expect(hex.code, hex.err).toBe(ExitCode.OK);
    const hexBytes = hex.out.trimEnd().split('\n').slice(1).join(' ').split(' ');
    expect(hexBytes.length).toBe(256);
    const file = join(dir, 'pmtu.bin');
    expect((await runCli(s, ['reg', PF0, '--id', 'PMTU', '--raw', file])).code).toBe(ExitCode.OK);
    const raw = await readFile(file);
    expect(raw.length).toBe(16);
    expect(raw[1]).toBe(1); // local_port, byte 1 of the register
  });

  it('refuses the dump registers with where to read them, and a denied device', async () => {
    const dump = await runCli(s, ['reg', PF0, '--id', 'CORE_DUMP']);
    expect(dump.code).toBe(ExitCode.USAGE);
    expect(dump.err).toMatch(/auxctl coredump/);
    expect((await runCli(s, ['reg', PF1, '--id', 'PMTU'])).code).toBe(ExitCode.PERMISSION);
    expect((await runCli(s, ['cap', PF1, '--id', 'roce'])).code).toBe(ExitCode.PERMISSION);
    const cap = await runCli(s, ['--json', 'cap', PF0, '--id', 'roce', '--mode', 'max']);
    expect(cap.code, cap.err).toBe(ExitCode.OK);
  });
});
