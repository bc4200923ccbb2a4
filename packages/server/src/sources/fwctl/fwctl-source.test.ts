import { join } from 'node:path';
import { buildInbox, type CoreEvent } from '@auxctl/core';
import { captureLog } from '@auxctl/core/testing';
import { FwctlDeviceType } from '@auxctl/fwctl-linux';
import { buildSysfsTree } from '@auxctl/fwctl-linux/testing';
import { AllocPdIn, NopIn, Op } from '@auxctl/prm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FwctlDouble, startFwctlDouble } from '../../testing/index.js';
import { FWCTL_TAINT_REASON, FwctlSource } from './fwctl-source.js';

const nop = (): Buffer => buildInbox(NopIn, Op.NOP);
const ADMIN = { principal: 'spiffe://auxctl/admin', caps: { sys_admin: true as const } };

describe('FwctlSource over the kernel double', () => {
  let host: FwctlDouble;
  let source: FwctlSource;
  let audit: ReturnType<typeof captureLog>;

  beforeEach(async () => {
    host = await startFwctlDouble({ devices: 2 });
    audit = captureLog('info');
    source = await FwctlSource.start({
      ...host.sourceOptions(),
      pollMs: 20,
      auditLogger: audit.log,
    });
  });
  afterEach(async () => {
    await source.close();
    expect(host.kernel.openFiles()).toBe(0);
    await host.close();
  });

  it('finds each mlx5 function by PCI address with its aux devices and their drivers', () => {
    const devices = source.devices();
    expect(devices.map((d) => d.name)).toEqual(host.devices);
    const d = devices[0]?.describe();
    expect(d?.name).toBe(host.devices[0]);
    expect(d?.auxDevices.map((a) => a.name)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^mlx5_core\.ctl\.\d+$/)]),
    );
    expect(d?.auxDevices.every((a) => a.driver !== '')).toBe(true);
    expect(d?.taintReasons).toEqual([]);
  });

  it('opens one file, one uid, per context; RPCs reach the firmware and are audited', async () => {
    const dev = source.devices()[0];
    if (!dev) throw new Error('no device');
    const a = await dev.open(ADMIN);
    const b = await dev.open(ADMIN);
    expect(host.kernel.openFiles()).toBe(2);
    expect(a.info().uid).toBeGreaterThan(0);
    expect(b.info().uid).not.toBe(a.info().uid);
    const out = await a.rpc({ scope: 1, inbox: nop(), outLen: 16 });
    expect(out[0]).toBe(0); // firmware status OK
    const line = audit.lines.find((l) => l.event === 'ctl.rpc' && l.opcode === Op.NOP);
    expect(line).toMatchObject({ result: 'ok', uid: a.info().uid, device: dev.name });
    await a.close();
    await b.close();
    expect(host.kernel.openFiles()).toBe(0);
  });

  it('gets the kernel’s refusals as errnos: EBADMSG for an opcode mainline fwctl does not allow', async () => {
    const ctx = await source.devices()[0]!.open(ADMIN);
    // ALLOC_PD passes auxctld's own table (dump objects), not the mainline mlx5 fwctl driver's.
    await expect(
      ctx.rpc({ scope: 3, inbox: buildInbox(AllocPdIn, Op.ALLOC_PD), outLen: 16 }),
    ).rejects.toMatchObject({ code: 'EPERM' });
    await expect(
      ctx.rpc({ scope: 1, inbox: buildInbox(AllocPdIn, Op.ALLOC_PD), outLen: 16 }),
    ).rejects.toMatchObject({ code: 'EBADMSG' });
    expect(audit.lines.filter((l) => l.result === 'EBADMSG')).toHaveLength(1);
    await expect(ctx.umemReg(new Uint8Array(4096))).rejects.toMatchObject({
      code: 'EOPNOTSUPP',
      message: expect.stringContaining('umem is not available on Linux fwctl'),
    });
    await ctx.close();
  });

  it('shows the host taint after a DEBUG_WRITE RPC, as an event and on every device', async () => {
    const [d0, d1] = source.devices();
    if (!d0 || !d1) throw new Error('two devices expected');
    const events: CoreEvent[] = [];
    d1.events.subscribe((e) => events.push(e));
    const ctx = await d0.open(ADMIN);
    await ctx.rpc({ scope: 2, inbox: nop(), outLen: 16 });
    expect(host.kernel.tainted).toBe(true);
    await expect.poll(() => events.map((e) => e.type)).toContain('taint');
    expect(d1.describe().taintReasons).toEqual([FWCTL_TAINT_REASON]);
    expect(ctx.info().tainted).toEqual([FWCTL_TAINT_REASON]);
    await ctx.close();
  });

  it('revokes the contexts of a removed device and reports it closed', async () => {
    const dev = source.devices()[0]!;
    const events: CoreEvent[] = [];
    dev.events.subscribe((e) => events.push(e));
    const ctx = await dev.open(ADMIN);
    await host.remove(dev.name);
    // The kernel answers ENODEV on the orphaned file at once; the watcher then sees sysfs change.
    await expect(ctx.rpc({ scope: 1, inbox: nop(), outLen: 16 })).rejects.toMatchObject({
      code: 'ENODEV',
    });
    await expect.poll(() => ctx.signal.aborted).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'state', state: 'closed' });
    expect(source.devices().map((d) => d.name)).toEqual([host.devices[1]]);
    await expect(dev.open(ADMIN)).rejects.toMatchObject({ code: 'ENODEV' });
    expect(host.kernel.openFiles()).toBe(0);
  });

  it('announces a device that appears in sysfs (hot add), and serves only those FWCTL_INFO calls mlx5', async () => {
    const seen: string[] = [];
    const off = source.onAppeared((d) => seen.push(d.name));
    // fwctl9's node answers FWCTL_INFO as a CXL device: its type decides, not its driver's name.
    host.kernel.register(join(host.devRoot, 'fwctl', 'fwctl9'), {
      deviceType: FwctlDeviceType.CXL,
      openUctx: async () => ({
        info: () => Buffer.alloc(0),
        fwRpc: () => Promise.reject(new Error('not used')),
        close: async () => {},
      }),
    });
    await buildSysfsTree(host.sysfsRoot, [
      { fwctl: 'fwctl7', pci: '0000:77:00.0', driver: 'mlx5_core', aux: [] },
      { fwctl: 'fwctl8', pci: '0000:78:00.0', driver: 'cxl_pci', aux: [] },
      { fwctl: 'fwctl9', pci: '0000:79:00.0', driver: 'mlx5_core', aux: [] },
    ]);
    await expect.poll(() => seen).toEqual(['0000:77:00.0']);
    const names = source.devices().map((d) => d.name);
    expect(names).toContain('0000:77:00.0');
    expect(names).not.toContain('0000:78:00.0');
    expect(names).not.toContain('0000:79:00.0');
    await host.kernel.unregister(join(host.devRoot, 'fwctl', 'fwctl9'));
    off();
  });
});
