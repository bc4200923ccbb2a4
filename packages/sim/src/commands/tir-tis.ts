/**
 * Transport objects: CREATE_TIS (0x912), DESTROY_TIS (0x914), CREATE_TIR
 * (0x900), DESTROY_TIR (0x902).
 *
 * A TIS picks the port an SQ sends through (`lag_tx_port_affinity`, 0 =
 * port 1; a port the device lacks is BAD_PARAM / BAD_PORT). A TIR
 * dispatches received traffic; only DIRECT TIRs (one `inline_rqn`, which
 * the TIR references) are modelled. Transport domains are not modelled:
 * `transport_domain` is recorded and otherwise ignored.
 *
 * Owns: the handlers only.
 */
import {
  CmdOut,
  CreateTirIn,
  CreateTirOut,
  CreateTisIn,
  CreateTisOut,
  DestroyTirIn,
  DestroyTisIn,
  Op,
  Tirc,
  TirDispType,
  Tisc,
} from '@auxctl/prm';
import type { TirData, TisData } from '../datapath/queue-data.js';
import { type CommandSpec, INITIALIZED } from './command.js';
import { notModelled, requirePort } from './queue-errors.js';

/** tirTisCommands: see the module header. */
export const tirTisCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_TIS,
    in: CreateTisIn,
    out: CreateTisOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox, uid }) => {
      const c = Tisc.decode(inbox, CreateTisIn.byteOffset('ctx'));
      const data: TisData = { port: requirePort(fw, c.lag_tx_port_affinity) };
      const tis = fw.objects.create(
        'TIS',
        uid,
        {
          tisn: 0,
          prio: c.prio,
          lag_tx_port_affinity: c.lag_tx_port_affinity,
          transport_domain: c.transport_domain,
        },
        [],
        data,
      );
      tis.context.tisn = tis.id;
      CreateTisOut.set(outbox, 'tisn', tis.id);
    },
  },
  {
    opcode: Op.DESTROY_TIS,
    in: DestroyTisIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => fw.objects.destroy('TIS', DestroyTisIn.get(inbox, 'tisn'), uid),
  },
  {
    opcode: Op.CREATE_TIR,
    in: CreateTirIn,
    out: CreateTirOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox, uid }) => {
      const c = Tirc.decode(inbox, CreateTirIn.byteOffset('ctx'));
      if (c.disp_type !== TirDispType.DIRECT) throw notModelled(`TIR disp_type ${c.disp_type}`);
      const rq = fw.objects.lookup('RQ', c.inline_rqn, uid);
      const data: TirData = { rqn: rq.id };
      const tir = fw.objects.create(
        'TIR',
        uid,
        {
          tirn: 0,
          disp_type: c.disp_type,
          inline_rqn: rq.id,
          transport_domain: c.transport_domain,
        },
        [{ type: 'RQ', id: rq.id }],
        data,
      );
      tir.context.tirn = tir.id;
      CreateTirOut.set(outbox, 'tirn', tir.id);
    },
  },
  {
    opcode: Op.DESTROY_TIR,
    in: DestroyTirIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => fw.objects.destroy('TIR', DestroyTirIn.get(inbox, 'tirn'), uid),
  },
];
