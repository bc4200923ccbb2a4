/**
 * KernelDouble: a double of Linux fwctl (drivers/fwctl/main.c) behind the
 * FwctlSyscalls seam, so FwctlFile and anything above it run unchanged
 * without a kernel.
 *
 * USAGE
 *   const kernel = new KernelDouble({ capSysRawio: true });
 *   kernel.register('/dev/fwctl/fwctl0', driver);   // driver: DoubleDriver
 *   const f = await FwctlFile.open('/dev/fwctl/fwctl0', kernel);
 *   ...
 *   await kernel.unregister('/dev/fwctl/fwctl0');   // f stays open, answers ENODEV
 *   await f.close();
 *
 * WHAT IT MODELS
 * - open(2): ENOENT for a node nobody registered; the driver's open_uctx
 *   (its rejection fails the open); descriptors are the lowest free
 *   number from 3, as the kernel hands them out.
 * - ioctl(2): the checks of fwctl-ioctl.ts in the kernel's order; EBADF for
 *   a descriptor that is not open. User pointers are resolved through the
 *   double's own `addressOf` (UserMemory); an unknown one is EFAULT.
 * - close(2): the file's release waits for its ioctls in flight, then
 *   calls the driver's close_uctx unless unregister already did.
 * - unregister, as fwctl_unregister: the node disappears (open -> ENOENT),
 *   ioctls on files still open fail ENODEV, and once those in flight have
 *   finished, close_uctx runs on every file still open; the files stay
 *   open until closed.
 * - taint, as the kernel: DEBUG_WRITE and DEBUG_WRITE_FULL RPCs taint the
 *   (one, system-wide) kernel before the driver sees the command, with a
 *   warning the first time only.
 *
 * Owns: the registered devices, the open files and the taint state.
 * Never: implements a device (drivers are the caller's DoubleDriver).
 */
import type { Buffer } from 'node:buffer';
import { AuxError } from '@auxctl/prm';
import { ioctlName } from '../fwctl-abi.js';
import { fwctlError } from '../fwctl-errno.js';
import type { FwctlSyscalls } from '../syscalls.js';
import { type DoubleDriver, type DoubleUctx, type DriverStep, startIoctl } from './fwctl-ioctl.js';
import { UserMemory } from './user-memory.js';

/** KernelDoubleOptions: the calling process's capability, as the kernel sees it. */
export interface KernelDoubleOptions {
  /** capSysRawio: whether the caller has CAP_SYS_RAWIO (needed for DEBUG_WRITE_FULL); default false. */
  readonly capSysRawio?: boolean;
}

interface Device {
  readonly devnode: string;
  readonly driver: DoubleDriver;
  registered: boolean;
  readonly files: Set<OpenFile>;
}

interface OpenFile {
  readonly device: Device;
  readonly uctx: DoubleUctx;
  readonly inFlight: Set<Promise<void>>;
  released: boolean;
}

/** KernelDouble: see the module header. */
export class KernelDouble implements FwctlSyscalls {
  /** hasCapSysRawio: the caller's CAP_SYS_RAWIO; may be changed between calls. */
  hasCapSysRawio: boolean;
  /** warnings: the kernel log lines the double wrote (the first taint's warning). */
  readonly warnings: string[] = [];
  readonly #devices = new Map<string, Device>();
  readonly #fds = new Map<number, OpenFile>();
  readonly #memory = new UserMemory();
  #tainted = false;
  #taintCount = 0;

  constructor(opts: KernelDoubleOptions = {}) {
    this.hasCapSysRawio = opts.capSysRawio ?? false;
  }

  /** tainted: whether an RPC set TAINT_FWCTL (bit 19, 'J'); it stays set. */
  get tainted(): boolean {
    return this.#tainted;
  }

  /** taintCount: how many RPCs passed the taint step (DEBUG_WRITE scopes), rejected ones included. */
  get taintCount(): number {
    return this.#taintCount;
  }

  /** openFiles: how many descriptors are open, orphaned ones included. */
  openFiles(): number {
    return this.#fds.size;
  }

  /** register: make `devnode` a fwctl device run by `driver`; EEXIST if it is one already. */
  register(devnode: string, driver: DoubleDriver): void {
    if (this.#devices.has(devnode)) {
      throw new AuxError('EEXIST', `${devnode} is registered already`);
    }
    this.#devices.set(devnode, { devnode, driver, registered: true, files: new Set() });
  }

  /** unregister: fwctl_unregister (see WHAT IT MODELS); ENOENT if `devnode` is not registered. */
  async unregister(devnode: string): Promise<void> {
    const device = this.#devices.get(devnode);
    if (device === undefined) throw new AuxError('ENOENT', `${devnode} is not registered`);
    this.#devices.delete(devnode);
    device.registered = false;
    await Promise.allSettled([...device.files].flatMap((f) => [...f.inFlight]));
    await Promise.all([...device.files].map((f) => release(f)));
  }

  async open(path: string): Promise<number> {
    const device = this.#devices.get(path);
    if (device === undefined) throw fwctlError('ENOENT', 'open', path);
    const uctx = await device.driver.openUctx();
    if (!device.registered) {
      await uctx.close().catch(() => undefined);
      throw fwctlError('ENODEV', 'open', path);
    }
    const file: OpenFile = { device, uctx, inFlight: new Set(), released: false };
    device.files.add(file);
    let fd = 3;
    while (this.#fds.has(fd)) fd++;
    this.#fds.set(fd, file);
    return fd;
  }

  async ioctl(fd: number, request: number, arg: Buffer): Promise<void> {
    const file = this.#file(fd, ioctlName(request));
    const step = this.#start(file, fd, request, arg);
    if (step === undefined) return;
    const run = (async () => step.finish(await step.call()))();
    file.inFlight.add(run);
    try {
      await run;
    } finally {
      file.inFlight.delete(run);
    }
  }

  ioctlSync(fd: number, request: number, arg: Buffer): void {
    const file = this.#file(fd, ioctlName(request));
    const step = this.#start(file, fd, request, arg);
    if (step === undefined) return;
    const outbox = step.call();
    if (outbox instanceof Promise) {
      outbox.catch(() => undefined);
      throw new AuxError(
        'EOPNOTSUPP',
        'KernelDouble.ioctlSync: the driver answered asynchronously',
      );
    }
    step.finish(outbox);
  }

  async close(fd: number): Promise<void> {
    const file = this.#file(fd, 'close');
    this.#fds.delete(fd);
    await Promise.allSettled([...file.inFlight]);
    if (file.device.registered) await release(file);
  }

  addressOf(buf: Buffer): bigint {
    return this.#memory.addressOf(buf);
  }

  #file(fd: number, call: string): OpenFile {
    const file = this.#fds.get(fd);
    if (file === undefined) throw fwctlError('EBADF', call, `fd ${fd}`);
    return file;
  }

  #start(file: OpenFile, fd: number, request: number, arg: Buffer): DriverStep | undefined {
    const { device } = file;
    return startIoctl(
      {
        where: `fd ${fd}`,
        uctx: file.uctx,
        deviceType: device.driver.deviceType,
        registered: () => device.registered,
        capSysRawio: () => this.hasCapSysRawio,
        taint: () => this.#taint(device),
        memory: this.#memory,
      },
      request,
      arg,
    );
  }

  #taint(device: Device): void {
    this.#taintCount++;
    if (this.#tainted) return;
    this.#tainted = true;
    // The kernel's dev_warn names the process (comm and pid) on the device.
    this.warnings.push(
      `${device.devnode}: ${process.title}(${process.pid}): has requested full access to the physical device`,
    );
  }
}

/** release: the driver's close_uctx, once per file. */
async function release(file: OpenFile): Promise<void> {
  if (file.released) return;
  file.released = true;
  file.device.files.delete(file);
  await file.uctx.close().catch(() => undefined);
}
