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

/**
 * RESUME_ANY_DUMP: a permission, not an RPC: a principal the policy allows
 * it on a device may resume dumps of that device captured by another
 * principal (without it, only the capturing principal may resume a dump).
 * Its own namespace, so `auxctl.v1.CtlService/*` does not grant it.
 */
export const RESUME_ANY_DUMP = 'auxctl.v1.Permission/ResumeAnyDump';

/** AUXCTL_METHODS: `package.Service/Method` for every policy-checked RPC, and the permissions. */
export const AUXCTL_METHODS: readonly string[] = [
  'auxctl.v1.DeviceService/ListDevices',
  'auxctl.v1.DeviceService/WatchDevices',
  'auxctl.v1.DeviceService/GetHealth',
  'auxctl.v1.CtlService/Session',
  'auxctl.v1.CtlService/Exec',
  'auxctl.v1.CtlService/Coredump',
  'auxctl.v1.CtlService/ResourceDump',
  'auxctl.v1.PortFunctionService/Add',
  'auxctl.v1.PortFunctionService/Set',
  'auxctl.v1.PortFunctionService/Activate',
  'auxctl.v1.PortFunctionService/Deactivate',
  'auxctl.v1.PortFunctionService/Delete',
  'auxctl.v1.PortFunctionService/List',
  'auxctl.v1.SimulatorService/InjectFault',
  'auxctl.v1.SimulatorService/ClearFaults',
  'auxctl.v1.SimulatorService/ListFaults',
  RESUME_ANY_DUMP,
];
