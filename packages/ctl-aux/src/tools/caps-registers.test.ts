import {
  isAuxError,
  MtrcCap,
  PpcntGroup,
  PpcntReg,
  RegisterId,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, type CtlRig, ctlRig, USER } from '../test-support/rig.js';
import { debugCaps, generalCaps, queryCap } from './caps.js';
import { accessRegisterRaw, readPpcnt, readRegister, writeRegister } from './registers.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

async function failure(p: Promise<unknown>): Promise<{ code: string; syndrome?: number }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isAuxError(e)) throw new Error(`expected an AuxError, got ${String(e)}`);
  return { code: e.code, syndrome: (e.detail as { syndrome?: number } | undefined)?.syndrome };
}

describe('capability helpers', () => {
  it('decode general caps, current and max, as the core booted them', async () => {
    rig = await ctlRig({ sim: { uctxCap: UctxCap.TOOLS_RESOURCES } });
    const ctx = await rig.open(USER);
    const caps = await generalCaps(ctx);
    expect(caps.cur).toEqual(rig.core.caps);
    expect(caps.max).toEqual(rig.core.maxCaps);
    expect(caps.cur.uctx_cap).toBe(UctxCap.TOOLS_RESOURCES);
    // Queries are CONFIGURATION scope: nothing tainted.
    expect(ctx.info().tainted).toEqual([]);
    expect((await queryCap(ctx, 0, 'max')).length).toBe(4096);
  });

  it('decode the debug capability and its diagnostic counters', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    const dbg = await debugCaps(ctx);
    expect(dbg.resource_dump).toBe(1);
    expect(dbg.log_max_samples).toBeGreaterThan(0);
    expect(dbg.counters.length).toBe(rig.core.caps.num_of_diagnostic_counters);
    expect(dbg.counters.map((c) => c.id)).toContain(0x2006);
  });

  it('turn a firmware refusal into the status errno with the syndrome', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    expect(await failure(queryCap(ctx, 0x3f))).toMatchObject({ code: 'EINVAL' });
  });
});

describe('register helpers', () => {
  it('read PPCNT counters by name', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    const counters = await readPpcnt(ctx);
    expect(counters.has('a_frames_transmitted_ok')).toBe(true);
    expect([...counters.values()].every((v) => typeof v === 'bigint')).toBe(true);
    const rfc = await readPpcnt(ctx, { group: PpcntGroup.RFC_2863, port: 1, clear: true });
    expect(rfc.has('if_in_octets')).toBe(true);
    const reply = await readRegister(ctx, 'PPCNT', {
      local_port: 1,
      grp: PpcntGroup.PHYSICAL_LAYER,
    });
    expect(reply).toMatchObject({ local_port: 1, grp: PpcntGroup.PHYSICAL_LAYER });
    // The raw path: register bytes in, register bytes out.
    const req = PpcntReg.encode({ local_port: 1, grp: PpcntGroup.IEEE_802_3 });
    const raw = await accessRegisterRaw(ctx, RegisterId.PPCNT, 1, req);
    expect(raw.length).toBe(PpcntReg.bytes);
    expect(PpcntReg.get(raw, 'local_port')).toBe(1);
  });

  it('refuse bad names, groups and field values with EINVAL before sending', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    const before = rig.audit.length;
    expect(await failure(readRegister(ctx, 'NOPE' as never))).toMatchObject({ code: 'EINVAL' });
    expect(await failure(readPpcnt(ctx, { group: 0x33 }))).toMatchObject({ code: 'EINVAL' });
    expect(await failure(readRegister(ctx, 'PPCNT', { local_port: 256 }))).toMatchObject({
      code: 'EINVAL',
    });
    expect(rig.audit.length).toBe(before);
  });

  it('report firmware register errors with their syndromes', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    expect(await failure(readPpcnt(ctx, { port: 9 }))).toEqual({
      code: 'EINVAL',
      syndrome: Syndrome.REG_BAD_FIELD,
    });
    expect(await failure(writeRegister(ctx, 'PPCNT', { local_port: 1 }))).toEqual({
      code: 'EINVAL',
      syndrome: Syndrome.REG_BAD_ACCESS,
    });
    // Tracer registers need TOOLS_RESOURCES.
    expect(await failure(readRegister(ctx, 'MTRC_CAP'))).toEqual({
      code: 'EINVAL',
      syndrome: Syndrome.UID_LACKS_CAP,
    });
    const admin = await rig.open(ADMIN);
    const cap = await readRegister(admin, 'MTRC_CAP');
    expect(cap.trace_owner).toBe(0);
    expect(Object.keys(cap)).toEqual(Object.keys(MtrcCap.decode(MtrcCap.alloc())));
  });
});
