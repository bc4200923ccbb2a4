/**
 * AUXCTL_METHODS: the gRPC methods of auxctl.v1 that the policy governs.
 *
 * The parser checks every method pattern against this list so that a typo
 * ("CtlServise/*") is refused at load time instead of silently never
 * matching — a deny rule that matches nothing is a hole. Names are written
 * without the leading `/` of a gRPC path.
 *
 * Owns: the list. Never: anything about how the methods are served.
 */
import {
  CtlServiceService,
  DeviceServiceService,
  MigrationServiceService,
  PciServiceService,
  PortFunctionServiceService,
  SimulatorServiceService,
  VdpaServiceService,
} from '@auxctl/proto';

/**
 * RESUME_ANY_DUMP: a permission, not an RPC: a principal the policy allows
 * it on a device may resume dumps of that device captured by another
 * principal (without it, only the capturing principal may resume a dump).
 * Its own namespace, so `auxctl.v1.CtlService/*` does not grant it.
 */
export const RESUME_ANY_DUMP = 'auxctl.v1.Permission/ResumeAnyDump';

/** The services whose methods the policy governs (every auxctl.v1 service auxctld serves). */
const GOVERNED = [
  DeviceServiceService,
  CtlServiceService,
  PortFunctionServiceService,
  PciServiceService,
  MigrationServiceService,
  VdpaServiceService,
  SimulatorServiceService,
];

/**
 * AUXCTL_METHODS: `package.Service/Method` for every policy-checked RPC
 * (read from the generated service definitions, so a method added to a
 * .proto is governed at once), and the permissions.
 */
export const AUXCTL_METHODS: readonly string[] = [
  ...GOVERNED.flatMap((def) => Object.values(def).map((m) => m.path.slice(1))),
  RESUME_ANY_DUMP,
];
