import { Buffer } from 'node:buffer';
import { AuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeFwctlInfo,
  decodeFwctlRpc,
  encodeFwctlInfo,
  FWCTL_INFO,
  FWCTL_MAX_RPC_LEN,
  FWCTL_RPC,
} from '../fwctl-abi.js';
import { errnoOf, infoArg, NODE, rig, rpcArg } from '../test-support/double-rig.js';

describe('KernelDouble: ioctl checks in drivers/fwctl/main.c order', () => {
  it('ENOTTY for a request outside the table, before looking at the struct', async () => {
    const { kernel, fd } = await rig();
    for (const request of [0x9a02, 0x9aff, 0x8912, FWCTL_RPC | (3 << 30) | (32 << 16)]) {
      expect(await errnoOf(kernel.ioctl(fd, request, Buffer.alloc(2)))).toBe('ENOTTY');
    }
    await kernel.close(fd);
  });

  it('EFAULT when the size cannot be read, EINVAL below the minimum size, EFAULT past the argument', async () => {
    const { kernel, fd } = await rig();
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_INFO, Buffer.alloc(3)))).toBe('EFAULT');
    for (const [request, min] of [
      [FWCTL_INFO, 24],
      [FWCTL_RPC, 32],
    ] as const) {
      const arg = Buffer.alloc(64);
      for (const size of [0, 4, min - 1]) {
        arg.writeUInt32LE(size, 0);
        expect(await errnoOf(kernel.ioctl(fd, request, arg))).toBe('EINVAL');
      }
      arg.writeUInt32LE(65, 0);
      expect(await errnoOf(kernel.ioctl(fd, request, arg))).toBe('EFAULT');
    }
    await kernel.close(fd);
  });

  it('E2BIG for a larger struct with non-zero bytes past the known size; zero bytes are accepted', async () => {
    const { kernel, driver, fd } = await rig();
    const { arg: base, out } = rpcArg(kernel);
    const big = Buffer.concat([base, Buffer.alloc(8)]);
    big.writeUInt32LE(40, 0);
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_RPC, big))).toBe('OK');
    expect(out.subarray(0, 16)).toEqual(Buffer.alloc(16, 0xab));
    big[39] = 1;
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_RPC, big))).toBe('E2BIG');
    expect(driver.rpcs).toHaveLength(1);
    await kernel.close(fd);
  });

  it('every row of FWCTL_RPC: the first failing check decides, taint before the driver', async () => {
    const faults = fc.record({
      badRequest: fc.boolean(),
      shortSize: fc.boolean(),
      e2big: fc.boolean(),
      unregistered: fc.boolean(),
      tooLong: fc.constantFrom(undefined, 'in', 'out'),
      scope: fc.constantFrom(0, 1, 2, 3, 4, 0xffff_ffff),
      cap: fc.boolean(),
      badIn: fc.boolean(),
      driverFails: fc.boolean(),
      badOut: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(faults, async (f) => {
        const { kernel, driver, fd } = await rig(f.cap);
        if (f.driverFails) driver.reply = () => Promise.reject(new AuxError('EBADMSG', 'refused'));
        const { arg: base } = rpcArg(kernel, {
          scope: f.scope,
          ...(f.tooLong === 'in' ? { inLen: FWCTL_MAX_RPC_LEN + 1 } : {}),
          ...(f.tooLong === 'out' ? { outLen: FWCTL_MAX_RPC_LEN + 1 } : {}),
          ...(f.badIn ? { in: 0x1000n } : {}),
          ...(f.badOut ? { out: 0x2000n } : {}),
        });
        const arg = Buffer.concat([base, Buffer.alloc(8)]);
        arg.writeUInt32LE(f.shortSize ? 31 : 40, 0);
        if (f.e2big) arg[36] = 7;
        if (f.unregistered) await kernel.unregister(NODE);

        const reachesTaint =
          !f.badRequest && !f.shortSize && !f.e2big && !f.unregistered && !f.tooLong;
        const expected = [
          [f.badRequest, 'ENOTTY'],
          [f.shortSize, 'EINVAL'],
          [f.e2big, 'E2BIG'],
          [f.unregistered, 'ENODEV'],
          [f.tooLong !== undefined, 'EMSGSIZE'],
          [f.scope === 3 && !f.cap, 'EPERM'],
          [f.scope > 3, 'EOPNOTSUPP'],
          [f.badIn, 'EFAULT'],
          [f.driverFails, 'EBADMSG'],
          [f.badOut, 'EFAULT'],
        ].find(([hit]) => hit)?.[1];
        const request = f.badRequest ? 0x9a07 : FWCTL_RPC;
        expect(await errnoOf(kernel.ioctl(fd, request, arg))).toBe(expected ?? 'OK');

        const tainting = f.scope === 2 || (f.scope === 3 && f.cap);
        expect(kernel.tainted).toBe(reachesTaint && tainting);
        const driverCalled = reachesTaint && f.scope <= 3 && !(f.scope === 3 && !f.cap) && !f.badIn;
        expect(driver.rpcs.length).toBe(driverCalled ? 1 : 0);
        await kernel.close(fd);
        expect(kernel.openFiles()).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe('KernelDouble: FWCTL_INFO', () => {
  it('EOPNOTSUPP for flags; with device_data_len 0 the driver is not asked and 0 comes back', async () => {
    const { kernel, driver, fd } = await rig();
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_INFO, infoArg(kernel, 8, 1).arg))).toBe(
      'EOPNOTSUPP',
    );
    const { arg } = infoArg(kernel, 0);
    await kernel.ioctl(fd, FWCTL_INFO, arg);
    expect(decodeFwctlInfo(arg)).toMatchObject({ outDeviceType: 1, deviceDataLen: 0 });
    expect(driver.infoCalls).toBe(0);
    await kernel.close(fd);
  });

  it('copies min(driver, user) bytes, zero-fills the rest, returns the driver length', async () => {
    const { kernel, fd } = await rig();
    const small = infoArg(kernel, 4);
    await kernel.ioctl(fd, FWCTL_INFO, small.arg);
    expect(decodeFwctlInfo(small.arg).deviceDataLen).toBe(8);
    expect(small.data).toEqual(Buffer.from([1, 0, 0, 0]));
    const large = infoArg(kernel, 16);
    kernel.ioctlSync(fd, FWCTL_INFO, large.arg);
    expect(decodeFwctlInfo(large.arg).deviceDataLen).toBe(8);
    expect(large.data).toEqual(Buffer.from([1, 0, 0, 0, 4, 0, 0, 0, ...Array(8).fill(0)]));
    await kernel.close(fd);
  });

  it('EFAULT when out_device_data points nowhere, or its length runs past the buffer', async () => {
    const { kernel, fd } = await rig();
    const info = (ptr: bigint, len: number) =>
      encodeFwctlInfo({
        size: 24,
        flags: 0,
        outDeviceType: 0,
        deviceDataLen: len,
        outDeviceData: ptr,
      });
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_INFO, info(0xdead_0000n, 8)))).toBe('EFAULT');
    const data = Buffer.alloc(8);
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_INFO, info(kernel.addressOf(data), 9)))).toBe(
      'EFAULT',
    );
    await kernel.close(fd);
  });
});

describe('KernelDouble: FWCTL_RPC', () => {
  it('copies min(out_len, driver length) and writes the driver length back', async () => {
    const { kernel, driver, fd } = await rig();
    driver.reply = () => Buffer.alloc(24, 0x11);
    const longer = rpcArg(kernel);
    await kernel.ioctl(fd, FWCTL_RPC, longer.arg);
    expect(longer.out).toEqual(Buffer.alloc(16, 0x11));
    expect(decodeFwctlRpc(longer.arg).outLen).toBe(24);
    driver.reply = () => Buffer.alloc(8, 0x22);
    const shorter = rpcArg(kernel);
    await kernel.ioctl(fd, FWCTL_RPC, shorter.arg);
    expect(shorter.out).toEqual(Buffer.concat([Buffer.alloc(8, 0x22), Buffer.alloc(8, 0xee)]));
    expect(decodeFwctlRpc(shorter.arg).outLen).toBe(8);
    await kernel.close(fd);
  });

  it('the driver gets a copy of the inbox, never the caller memory', async () => {
    const { kernel, driver, fd } = await rig();
    driver.reply = ({ inbox }) => {
      inbox.fill(0);
      return Buffer.alloc(16);
    };
    const { arg, inbox } = rpcArg(kernel);
    await kernel.ioctl(fd, FWCTL_RPC, arg);
    expect(inbox).toEqual(Buffer.alloc(16, 0xab));
    await kernel.close(fd);
  });
});
