/**
 * The registers `auxctl reg --id NAME` reads (ACCESS_REG, op_mod READ):
 * every register the device answers a plain read of, with prm's layout of
 * its data and whether the read names a local port. PPCNT has its own
 * counter-group decoder (ppcnt-fields.ts); CORE_DUMP and RESOURCE_DUMP are
 * dump protocols, read by `coredump` and `rscdump`, and MTRC_STDB reads a
 * window of the string database, not a register value: asking for them is
 * a usage error that says so.
 *
 * Owns: the name -> register table and the read inbox. Never: sending.
 */
import {
  AccessRegisterIn,
  AccessRegOpMod,
  DtorReg,
  type LayoutLike,
  MtrcCap,
  MtrcConf,
  MtrcCtrl,
  NodeDescReg,
  nodeDescText,
  Op,
  PaosReg,
  PmtuReg,
  PpcntReg,
  REGISTER_DATA_OFFSET,
  RegisterId,
} from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';
import type { FieldValue } from './layout-fields.js';

/** RegisterSpec: one readable register. */
export interface RegisterSpec {
  readonly name: string;
  readonly id: number;
  readonly layout: LayoutLike & {
    write(buf: Buffer, v: Record<string, unknown>, base?: number): void;
  };
  /** The read names a local port (`--port`). */
  readonly port: boolean;
  /** Rows of a register whose data reads better otherwise than field by field (NODE_DESC's text). */
  readonly rows?: (data: Buffer) => Array<[string, FieldValue]>;
}

const spec = (name: keyof typeof RegisterId, layout: LayoutLike, port: boolean): RegisterSpec =>
  ({ name, id: RegisterId[name], layout, port }) as RegisterSpec;

/** REGISTERS: see the module header, by name. */
export const REGISTERS: ReadonlyMap<string, RegisterSpec> = new Map(
  [
    spec('PMTU', PmtuReg, true),
    spec('PAOS', PaosReg, true),
    spec('PPCNT', PpcntReg, true),
    spec('MTRC_CAP', MtrcCap, false),
    spec('MTRC_CONF', MtrcConf, false),
    spec('MTRC_CTRL', MtrcCtrl, false),
    spec('DTOR', DtorReg, false),
    {
      ...spec('NODE_DESC', NodeDescReg, false),
      rows: (data: Buffer): Array<[string, FieldValue]> => [
        ['node_description', nodeDescText(NodeDescReg.view(data, 'node_description'))],
      ],
    },
  ].map((r) => [r.name, r]),
);

const ELSEWHERE: ReadonlyMap<number, string> = new Map([
  [RegisterId.CORE_DUMP, 'CORE_DUMP is read with `auxctl coredump`'],
  [RegisterId.RESOURCE_DUMP, 'RESOURCE_DUMP is read with `auxctl rscdump`'],
  [RegisterId.MTRC_STDB, 'MTRC_STDB is a window of the string database, not a register value'],
]);

/** parseRegister: a register by name (PPCNT, PMTU, ...) or id (0x5008); a usage error otherwise. */
export function parseRegister(text: string): RegisterSpec {
  const t = text.trim();
  const named = REGISTERS.get(t.toUpperCase());
  if (named) return named;
  const n = parseUintText(t);
  const byId = [...REGISTERS.values()].find((r) => r.id === n);
  if (byId) return byId;
  const why =
    ELSEWHERE.get(n) ?? ELSEWHERE.get(RegisterId[t.toUpperCase() as keyof typeof RegisterId]);
  if (why) throw new InvalidArgumentError(why);
  throw new InvalidArgumentError(`unknown register; known: ${[...REGISTERS.keys()].join(', ')}`);
}

/** registerIoBytes: inbox and outbox length of a read of `r` (16-byte header + its data). */
export function registerIoBytes(r: RegisterSpec): number {
  return REGISTER_DATA_OFFSET + r.layout.bytes;
}

/** registerReadInbox: the ACCESS_REG read of `r` (local port `port` when it names one), data fields `extra`. */
export function registerReadInbox(
  r: RegisterSpec,
  port: number,
  extra: Record<string, unknown> = {},
): Buffer {
  const inbox = Buffer.alloc(registerIoBytes(r));
  AccessRegisterIn.write(inbox, {
    opcode: Op.ACCESS_REG,
    op_mod: AccessRegOpMod.READ,
    register_id: r.id,
  });
  r.layout.write(inbox, { ...(r.port && { local_port: port }), ...extra }, REGISTER_DATA_OFFSET);
  return inbox;
}
