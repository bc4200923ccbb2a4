import { Buffer } from 'node:buffer';
import { AuxError, FwctlScope, isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FWCTL_MAX_RPC_LEN, FwctlDeviceType } from './fwctl-abi.js';
import { kernelErrnoOf } from './fwctl-errno.js';
import { FwctlFile } from './fwctl-file.js';
import { deferred, FakeDriver } from './test-support/fake-driver.js';
import { KernelDouble } from './testing/kernel-double.js';

const NODE = '/dev/fwctl/fwctl0';

function setup() {
  const kernel = new KernelDouble();
  const driver = new FakeDriver();
  kernel.register(NODE, driver);
  return { kernel, driver };
}

async function failure(p: Promise<unknown>): Promise<AuxError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isAuxError(e)).toBe(true);
  return e as AuxError;
}

describe('FwctlFile over the kernel double', () => {
  it('open: one uid per file, from FWCTL_INFO with mlx5 device data', async () => {
    const { kernel } = setup();
    const a = await FwctlFile.open(NODE, kernel);
    const b = await FwctlFile.open(NODE, kernel);
    expect(a.info).toMatchObject({ deviceType: FwctlDeviceType.MLX5, uid: 1, uctxCaps: 4 });
    expect(b.info.uid).toBe(2);
    expect(a.info.deviceData).toEqual(Buffer.from([1, 0, 0, 0, 4, 0, 0, 0]));
    await Promise.all([a.close(), b.close()]);
    expect(kernel.openFiles()).toBe(0);
  });

  it('open: device data longer than 8 bytes is read whole; non-mlx5 devices have uid 0', async () => {
    const { kernel, driver } = setup();
    driver.deviceType = FwctlDeviceType.PDS;
    driver.infoBytes = Buffer.from('0123456789abcdef');
    const f = await FwctlFile.open(NODE, kernel);
    expect(f.info).toMatchObject({ deviceType: FwctlDeviceType.PDS, uid: 0, uctxCaps: 0 });
    expect(f.info.deviceData.toString()).toBe('0123456789abcdef');
    await f.close();
  });

  it('open: a failing FWCTL_INFO closes the descriptor again and names the device node', async () => {
    const { kernel } = setup();
    const failing = new FakeDriver();
    kernel.register('/dev/fwctl/fwctl1', failing);
    const openUctx = failing.openUctx.bind(failing);
    failing.openUctx = async () => {
      const u = await openUctx();
      return {
        ...u,
        info: () => {
          throw new AuxError('ENOMEM', 'no memory');
        },
      };
    };
    const err = await failure(FwctlFile.open('/dev/fwctl/fwctl1', kernel));
    expect(err.code).toBe('ENOMEM');
    expect(err.message).toMatch(/^\/dev\/fwctl\/fwctl1: /);
    expect(kernel.openFiles()).toBe(0);
    expect(failing.closedUids).toEqual([1]);
  });

  it('rpc: the outbox is min(outLen, driver length) bytes; firmware status is data', async () => {
    const { kernel, driver } = setup();
    const f = await FwctlFile.open(NODE, kernel);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 300 }),
        fc.uint8Array({ minLength: 0, maxLength: 64 }),
        async (outLen, replyLen, inbox) => {
          driver.reply = () => Buffer.alloc(replyLen, 0x5a);
          const out = await f.rpc({ scope: 1, inbox: Buffer.from(inbox), outLen });
          expect(out).toEqual(Buffer.alloc(Math.min(outLen, replyLen), 0x5a));
          expect(driver.rpcs.at(-1)?.inbox).toEqual(Buffer.from(inbox));
        },
      ),
    );
    driver.reply = () => Buffer.from([0x03, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, ...Array(8).fill(0)]);
    const out = await f.rpc({
      scope: FwctlScope.CONFIGURATION,
      inbox: Buffer.alloc(16),
      outLen: 16,
    });
    expect(out[0]).toBe(0x03); // BAD_PARAM status: delivered, not an error
    await f.close();
  });

  it('rpc: kernel and driver errnos reject, named with the device node and the call', async () => {
    const { kernel, driver } = setup();
    const f = await FwctlFile.open(NODE, kernel);
    const scope = await failure(f.rpc({ scope: 9, inbox: Buffer.alloc(16), outLen: 16 }));
    expect(scope.code).toBe('EOPNOTSUPP');
    expect(scope.message).toMatch(
      /^\/dev\/fwctl\/fwctl0: FWCTL_RPC on fd \d+ failed with EOPNOTSUPP/,
    );
    expect((await failure(f.rpc({ scope: 3, inbox: Buffer.alloc(16), outLen: 16 }))).code).toBe(
      'EPERM',
    );
    driver.reply = () => Promise.reject(new AuxError('EBADMSG', 'opcode not allowed'));
    expect((await failure(f.rpc({ scope: 1, inbox: Buffer.alloc(16), outLen: 16 }))).code).toBe(
      'EBADMSG',
    );
    const rpcsBefore = driver.rpcs.length;
    const big = await failure(
      f.rpc({ scope: 1, inbox: Buffer.alloc(16), outLen: FWCTL_MAX_RPC_LEN + 1 }),
    );
    expect(big.code).toBe('EMSGSIZE');
    const big2 = await failure(
      f.rpc({ scope: 1, inbox: Buffer.alloc(FWCTL_MAX_RPC_LEN + 1), outLen: 16 }),
    );
    // Refused before a buffer of that size is allocated, as the kernel would refuse it.
    expect([big2.code, driver.rpcs.length]).toEqual(['EMSGSIZE', rpcsBefore]);
    for (const outLen of [-1, 1.5, Number.NaN]) {
      expect((await failure(f.rpc({ scope: 1, inbox: Buffer.alloc(16), outLen }))).code).toBe(
        'EINVAL',
      );
    }
    expect((await failure(f.rpc({ scope: 1, inbox: 'x' as never, outLen: 16 }))).code).toBe(
      'EINVAL',
    );
    await f.close();
  });

  it('after unregister every rpc is ENODEV; close still releases the descriptor', async () => {
    const { kernel, driver } = setup();
    const f = await FwctlFile.open(NODE, kernel);
    await kernel.unregister(NODE);
    expect(driver.closedUids).toEqual([1]);
    const err = await failure(f.rpc({ scope: 1, inbox: Buffer.alloc(16), outLen: 16 }));
    expect(err.code).toBe('ENODEV');
    expect(err.message).toContain('close it and open the device again');
    await f.close();
    expect(kernel.openFiles()).toBe(0);
  });

  it('close: idempotent, waits for RPCs in flight, then rpc is EBADF without a system call', async () => {
    const { kernel, driver } = setup();
    const f = await FwctlFile.open(NODE, kernel);
    const gate = deferred<Buffer>();
    driver.reply = () => gate.promise;
    const inFlight = f.rpc({ scope: 1, inbox: Buffer.alloc(16), outLen: 16 });
    const closing = f.close();
    expect(f.close()).toBe(closing);
    expect(f.closed).toBe(true);
    await Promise.resolve();
    expect(kernel.openFiles()).toBe(1);
    gate.resolve(Buffer.alloc(16, 1));
    expect(await inFlight).toEqual(Buffer.alloc(16, 1));
    await closing;
    expect(kernel.openFiles()).toBe(0);
    const after = await failure(f.rpc({ scope: 1, inbox: Buffer.alloc(16), outLen: 16 }));
    expect([after.code, kernelErrnoOf(after)]).toEqual(['EBADF', 'EBADF']);
    expect(driver.rpcs).toHaveLength(1);
  });
});
