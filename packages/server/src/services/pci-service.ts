/**
 * PciService: a PF's PCI functions over gRPC — `lspci` and the sysfs
 * SR-IOV attributes (sriov_numvfs, sriov_drivers_autoprobe,
 * driver_override, bind/unbind) plus devlink's `port function set` on a
 * VF's port, for remote operators.
 *
 * Every method is a configuration of the PF: the caller must be allowed
 * the method on the PF device at the CONFIGURATION scope (the policy's
 * check, audited by the authorization middleware); a VF is addressed
 * through its PF, so a grant on the PF covers its VFs. Each change is
 * audited again with its outcome. A listing without a device shows only
 * the PFs the caller may configure. Errors are the kernel's errnos (ERANGE
 * -> OUT_OF_RANGE, EBUSY -> RESOURCE_EXHAUSTED, ENOENT -> NOT_FOUND).
 *
 * Owns: finding the PF of a function and the authorization of each call.
 * Never: PCI state of its own (the source's PciFunctions is the truth).
 */
import type { Logger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type {
  BindRequest,
  BindResponse,
  ListFunctionsRequest,
  ListFunctionsResponse,
  PciFunction,
  PciServiceServer,
  SetAutoprobeRequest,
  SetAutoprobeResponse,
  SetNumVfsRequest,
  SetNumVfsResponse,
  SetVfRequest,
  SetVfResponse,
  UnbindRequest,
  UnbindResponse,
} from '@auxctl/proto';
import type { DeviceSources } from '../devices/device-sources.js';
import { authorizeTarget, type CallContext } from '../grpc/call-context.js';
import { type AdapterEnv, unary } from '../grpc/handler-adapters.js';
import type { PciFunctions, ServedDevice } from '../sources/device-source.js';
import { deviceChanges } from './audited-change.js';
import { authorizedFind, mayActOn } from './served-target.js';

const SERVICE = 'auxctl.v1.PciService';
const SCOPE = 'CONFIGURATION';
const PCI_LINES = { ok: 'pci function changed', failed: 'pci function change failed' };

interface Pf {
  readonly device: ServedDevice;
  readonly pci: PciFunctions;
}

/** pciServiceImpl: the PciService handlers. */
export function pciServiceImpl(
  env: AdapterEnv,
  devices: DeviceSources,
  audit: Logger,
): PciServiceServer {
  const pfs = (): Pf[] =>
    devices.devices().flatMap((device) => (device.pci ? [{ device, pci: device.pci }] : []));
  /** pfNamed: PF device `name`, once the caller may configure it. */
  const pfNamed = (ctx: CallContext, name: string): Pf => {
    authorizeTarget(ctx, { device: name, scope: SCOPE });
    const device = devices.device(name);
    if (device.pci) return { device, pci: device.pci };
    throw new AuxError(
      device.parent === '' ? 'EOPNOTSUPP' : 'EINVAL',
      device.parent === ''
        ? `device ${name} is served by the ${device.source} source, which does not manage PCI functions`
        : `${name} is not a PF; its PF is ${device.parent}`,
    );
  };
  /** pfOfFunction: the PF holding function `bdf`, once the caller may configure it. */
  const pfOfFunction = (ctx: CallContext, bdf: string): Pf =>
    authorizedFind(
      ctx,
      SCOPE,
      pfs().find((p) => p.pci.has(bdf)),
      () => pfs().map((p) => p.device.name),
      `no PCI function ${bdf} (see auxctl vf list)`,
    );
  const change = deviceChanges(audit, 'pci', PCI_LINES);
  const one = (pf: Pf, bdf: string): PciFunction => {
    const fn = pf.pci.list().find((f) => f.bdf === bdf);
    if (!fn) throw new AuxError('ENODEV', `${bdf} went away`);
    return fn;
  };

  return {
    listFunctions: unary<ListFunctionsRequest, ListFunctionsResponse>(
      env,
      `${SERVICE}/ListFunctions`,
      async (req, ctx) => {
        if (req.device !== '') return { functions: pfNamed(ctx, req.device).pci.list() };
        const mine = pfs().filter((p) => mayActOn(ctx, p.device.name, SCOPE));
        return { functions: mine.flatMap((p) => p.pci.list()) };
      },
    ),
    setNumVfs: unary<SetNumVfsRequest, SetNumVfsResponse>(
      env,
      `${SERVICE}/SetNumVfs`,
      async (req, ctx) => {
        const pf = pfNamed(ctx, req.device);
        await change(ctx, pf.device.name, 'numvfs', { numVfs: req.numVfs }, () =>
          pf.pci.setNumVfs(req.numVfs),
        );
        return { functions: pf.pci.list() };
      },
    ),
    setAutoprobe: unary<SetAutoprobeRequest, SetAutoprobeResponse>(
      env,
      `${SERVICE}/SetAutoprobe`,
      async (req, ctx) => {
        const pf = pfNamed(ctx, req.device);
        await change(ctx, pf.device.name, 'autoprobe', { on: req.on }, async () =>
          pf.pci.setAutoprobe(req.on),
        );
        return { function: one(pf, pf.device.name) };
      },
    ),
    setVf: unary<SetVfRequest, SetVfResponse>(env, `${SERVICE}/SetVf`, async (req, ctx) => {
      const pf = pfNamed(ctx, req.device);
      const detail = { vf: req.vf, hwAddr: req.hwAddr, roce: req.roce, migratable: req.migratable };
      await change(ctx, pf.device.name, 'set-vf', detail, () => pf.pci.setVf(req));
      const fn = pf.pci.list().find((f) => f.vfIndex === req.vf);
      if (!fn) throw new AuxError('ENODEV', `VF ${req.vf} of ${pf.device.name} went away`);
      return { function: fn };
    }),
    bind: unary<BindRequest, BindResponse>(env, `${SERVICE}/Bind`, async (req, ctx) => {
      const pf = pfOfFunction(ctx, req.bdf);
      await change(ctx, pf.device.name, 'bind', { bdf: req.bdf, driver: req.driver }, () =>
        pf.pci.bind(req.bdf, req.driver),
      );
      return { function: one(pf, req.bdf) };
    }),
    unbind: unary<UnbindRequest, UnbindResponse>(env, `${SERVICE}/Unbind`, async (req, ctx) => {
      const pf = pfOfFunction(ctx, req.bdf);
      await change(ctx, pf.device.name, 'unbind', { bdf: req.bdf }, () => pf.pci.unbind(req.bdf));
      return { function: one(pf, req.bdf) };
    }),
  };
}
