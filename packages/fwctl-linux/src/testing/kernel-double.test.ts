import { Buffer } from 'node:buffer';
import { AuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FWCTL_INFO, FWCTL_RPC } from '../fwctl-abi.js';
import { errnoOf, infoArg, NODE, rig, rpcArg } from '../test-support/double-rig.js';
import { deferred } from '../test-support/fake-driver.js';

describe('KernelDouble: files and unregister', () => {
  it('unregister: open files answer ENODEV, close_uctx runs once each, the node is gone', async () => {
    const { kernel, driver, fd } = await rig();
    const fd2 = await kernel.open(NODE);
    await kernel.unregister(NODE);
    expect(driver.closedUids.sort()).toEqual([1, 2]);
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_RPC, rpcArg(kernel).arg))).toBe('ENODEV');
    expect(await errnoOf(kernel.ioctl(fd2, FWCTL_INFO, infoArg(kernel, 8).arg))).toBe('ENODEV');
    expect(await errnoOf(kernel.open(NODE))).toBe('ENOENT');
    expect(kernel.openFiles()).toBe(2);
    await kernel.close(fd);
    await kernel.close(fd2);
    expect(driver.closedUids).toHaveLength(2);
    expect(kernel.openFiles()).toBe(0);
  });

  it('unregister and close wait for the RPCs in flight before close_uctx', async () => {
    const { kernel, driver, fd } = await rig();
    const gate = deferred<Buffer>();
    driver.reply = () => gate.promise;
    const call = kernel.ioctl(fd, FWCTL_RPC, rpcArg(kernel).arg);
    const unregistered = kernel.unregister(NODE);
    await Promise.resolve();
    expect(driver.closedUids).toEqual([]);
    gate.resolve(Buffer.alloc(16));
    await Promise.all([call, unregistered]);
    expect(driver.closedUids).toEqual([1]);
    await kernel.close(fd);
  });

  it('close: EBADF afterwards, lowest free descriptor reused, driver open failures leave no file', async () => {
    const { kernel, driver, fd } = await rig();
    const fd2 = await kernel.open(NODE);
    expect([fd, fd2]).toEqual([3, 4]);
    await kernel.close(fd);
    expect(driver.closedUids).toEqual([1]);
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_INFO, infoArg(kernel, 8).arg))).toBe('EBADF');
    expect(await errnoOf(kernel.close(fd))).toBe('EBADF');
    expect(await kernel.open(NODE)).toBe(3);
    driver.failOpen = new AuxError('EIO', 'CREATE_UCTX failed');
    expect(await errnoOf(kernel.open(NODE))).toBe('EIO');
    expect(kernel.openFiles()).toBe(2);
    await kernel.close(3);
    await kernel.close(fd2);
    expect(() => kernel.register(NODE, driver)).toThrow(/registered already/);
    expect(await errnoOf(kernel.open('/dev/fwctl/fwctl9'))).toBe('ENOENT');
  });
});

describe('KernelDouble: taint and ioctlSync', () => {
  it('taints once system-wide, even for an RPC the driver rejects; EPERM does not taint', async () => {
    const { kernel, driver, fd } = await rig(false);
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_RPC, rpcArg(kernel, { scope: 3 }).arg))).toBe(
      'EPERM',
    );
    expect([kernel.tainted, kernel.taintCount]).toEqual([false, 0]);
    driver.reply = () => Promise.reject(new AuxError('EBADMSG', 'not allowed'));
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_RPC, rpcArg(kernel, { scope: 2 }).arg))).toBe(
      'EBADMSG',
    );
    expect([kernel.tainted, kernel.taintCount, kernel.warnings.length]).toEqual([true, 1, 1]);
    kernel.hasCapSysRawio = true;
    expect(await errnoOf(kernel.ioctl(fd, FWCTL_RPC, rpcArg(kernel, { scope: 3 }).arg))).toBe(
      'EBADMSG',
    );
    expect([kernel.taintCount, kernel.warnings.length]).toEqual([2, 1]);
    expect(kernel.warnings[0]).toContain(`${NODE}: `);
    await kernel.close(fd);
  });

  it('ioctlSync runs a driver that answers at once, and refuses one that answers later', async () => {
    const { kernel, driver, fd } = await rig();
    driver.reply = () => Buffer.alloc(16, 3);
    const now = rpcArg(kernel);
    kernel.ioctlSync(fd, FWCTL_RPC, now.arg);
    expect(now.out).toEqual(Buffer.alloc(16, 3));
    driver.reply = async () => Buffer.alloc(16);
    expect(() => kernel.ioctlSync(fd, FWCTL_RPC, rpcArg(kernel).arg)).toThrow(
      /answered asynchronously/,
    );
    await kernel.close(fd);
  });
});
