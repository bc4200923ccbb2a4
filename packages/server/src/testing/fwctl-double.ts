/**
 * FwctlDouble: a host with Linux fwctl devices, without the hardware — for
 * running auxctld's fwctl source end to end.
 *
 * Three parts, each as real as a test can have it:
 * - the kernel: `@auxctl/fwctl-linux/testing`'s KernelDouble, behind the
 *   one syscall seam (open / ioctl / close), doing drivers/fwctl/main.c's
 *   checks in its order (sizes, E2BIG, flags, EMSGSIZE, scope, CAP_SYS_RAWIO,
 *   taint before the driver's check, ENODEV after unregister);
 * - the mlx5 fwctl driver (`mlx5FwctlDriver`): open_uctx opens a ctl
 *   context on a simulated core device (CREATE_UCTX, the file's uid);
 *   fw_rpc refuses a mailbox under 16 bytes (EMSGSIZE) and an opcode the
 *   mainline driver does not allow at the scope (EBADMSG: ctl-aux's table
 *   rows of `source: 'upstream'` only), then forwards the mailbox to the
 *   simulated firmware, whose status comes back in the outbox;
 * - the host's files: a sysfs tree (class/fwctl, the PCI functions, their
 *   auxiliary devices and drivers) and `/proc/sys/kernel/tainted`, which
 *   follows the double's taint after every ioctl.
 *
 * Owns: the simulated devices behind the double, the temp directory. Never:
 * lets a test reach the firmware except through the double.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreDevice } from '@auxctl/core';
import { requiredScope, scopeRule } from '@auxctl/ctl-aux';
import { encodeFwctlInfoMlx5, FwctlDeviceType, type FwctlSyscalls } from '@auxctl/fwctl-linux';
import {
  buildSysfsTree,
  type DoubleDriver,
  KernelDouble,
  removeFromSysfsTree,
} from '@auxctl/fwctl-linux/testing';
import { AuxError, CmdHdrIn, type FwctlScopeValue } from '@auxctl/prm';
import type { FwctlSourceOptions } from '../sources/fwctl/fwctl-source.js';
import { SimSource } from '../sources/sim/sim-source.js';

/** FwctlDouble: see the module header. */
export interface FwctlDouble {
  readonly kernel: KernelDouble;
  /** The syscalls to give the fwctl source (the kernel double, /proc kept in step). */
  readonly syscalls: FwctlSyscalls;
  readonly sysfsRoot: string;
  readonly devRoot: string;
  readonly procRoot: string;
  /** The simulated devices behind the double (their firmware answers the RPCs). */
  readonly sim: SimSource;
  /** The PCI addresses of the devices, in fwctl order. */
  readonly devices: readonly string[];
  /** sourceOptions: what the fwctl source needs to serve this host (AuxctlServerOptions.fwctl). */
  sourceOptions(): Pick<FwctlSourceOptions, 'sysfsRoot' | 'devRoot' | 'procRoot' | 'syscalls'>;
  /** ioctls: how many ioctls reached the kernel double so far. */
  ioctls(): number;
  /** remove: hot-remove device `pci`: fwctl_unregister, then its sysfs entries go. */
  remove(pci: string): Promise<void>;
  close(): Promise<void>;
}

const OPCODE = CmdHdrIn.byteOffset('opcode');
const OP_MOD = CmdHdrIn.byteOffset('op_mod');

/** mlx5FwctlDriver: the mlx5 fwctl driver double of one simulated core device (module header). */
export function mlx5FwctlDriver(sim: SimSource, core: CoreDevice): DoubleDriver {
  return {
    deviceType: FwctlDeviceType.MLX5,
    async openUctx() {
      const ctx = await sim.open(core, {
        principal: 'kernel:mlx5_fwctl',
        caps: { sys_admin: true, sys_rawio: true },
      });
      const info = ctx.info();
      return {
        info: () => encodeFwctlInfoMlx5({ uid: info.uid, uctxCaps: info.uctxCap }),
        async fwRpc(scope, inbox, outLen) {
          if (inbox.length < 16 || outLen < 16) {
            throw new AuxError('EMSGSIZE', 'mlx5 fwctl: a mailbox has at least its 16-byte header');
          }
          const opcode = inbox.readUInt16BE(OPCODE);
          const opMod = inbox.readUInt16BE(OP_MOD);
          const needed =
            scopeRule(opcode)?.source === 'upstream' ? requiredScope(opcode, opMod) : undefined;
          if (needed === undefined || needed > scope) {
            throw new AuxError(
              'EBADMSG',
              `mlx5 fwctl: opcode 0x${opcode.toString(16)} is not allowed at scope ${scope}`,
            );
          }
          return ctx.rpc({ scope: scope as FwctlScopeValue, inbox, outLen });
        },
        close: () => ctx.close(),
      };
    },
  };
}

/** startFwctlDouble: `devices` simulated mlx5 functions behind a kernel double (default 2). */
export async function startFwctlDouble(
  opts: { devices?: number; capSysRawio?: boolean } = {},
): Promise<FwctlDouble> {
  const dir = await mkdtemp(join(tmpdir(), 'auxctl-fwctl-'));
  const sysfsRoot = join(dir, 'sys');
  const devRoot = join(dir, 'dev');
  const procRoot = join(dir, 'proc');
  const taintFile = join(procRoot, 'sys', 'kernel', 'tainted');
  const sim = await SimSource.create({
    devices: opts.devices ?? 2,
    health: { poll: false },
  });
  const kernel = new KernelDouble({ capSysRawio: opts.capSysRawio ?? false });
  try {
    await mkdir(join(procRoot, 'sys', 'kernel'), { recursive: true });
    await mkdir(join(devRoot, 'fwctl'), { recursive: true });
    await writeFile(taintFile, '0\n');
    const pfs = sim.cores().filter((c) => sim.parentOf(c) === undefined);
    const onBus = new Map(sim.bus.listDevices().map((d) => [d.device, d.driver]));
    await buildSysfsTree(
      sysfsRoot,
      pfs.map((core, i) => ({
        fwctl: `fwctl${i}`,
        pci: core.name,
        driver: 'mlx5_core',
        aux: core.auxDevices().map((a) => ({
          name: a.devName,
          ...(onBus.get(a.devName) && { driver: onBus.get(a.devName) as string }),
        })),
      })),
    );
    pfs.forEach((core, i) => {
      kernel.register(join(devRoot, 'fwctl', `fwctl${i}`), mlx5FwctlDriver(sim, core));
    });
    // /proc follows the kernel's taint: checked after every ioctl, before the caller sees the
    // result, and written when it changed (the kernel never clears it).
    let written = false;
    const syncTaint = async (): Promise<void> => {
      if (kernel.tainted === written) return;
      written = kernel.tainted;
      await writeFile(taintFile, written ? `${1 << 19}\n` : '0\n');
    };
    let ioctls = 0;
    const syscalls: FwctlSyscalls = {
      open: (path) => kernel.open(path),
      ioctl: (fd, request, arg) => {
        ioctls++;
        return kernel.ioctl(fd, request, arg).finally(syncTaint);
      },
      ioctlSync: (fd, request, arg) => {
        ioctls++;
        kernel.ioctlSync(fd, request, arg);
      },
      close: (fd) => kernel.close(fd),
      addressOf: (buf) => kernel.addressOf(buf),
    };
    const names = pfs.map((c) => c.name);
    return {
      kernel,
      syscalls,
      sysfsRoot,
      devRoot,
      procRoot,
      sim,
      devices: names,
      ioctls: () => ioctls,
      sourceOptions: () => ({ sysfsRoot, devRoot, procRoot, syscalls }),
      async remove(pci) {
        const i = names.indexOf(pci);
        if (i < 0) throw new AuxError('ENOENT', `no double device ${pci}`);
        await kernel.unregister(join(devRoot, 'fwctl', `fwctl${i}`));
        await removeFromSysfsTree(sysfsRoot, `fwctl${i}`);
      },
      async close() {
        await sim.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
