/**
 * demo: what `npm run demo` runs. Boots two simulated devices
 * (@auxctl/sim) on one auxiliary bus with core's driver, registers a driver
 * for their ctl aux devices, prints the bus tree and a few firmware
 * commands decoded from their layouts (@auxctl/prm), then tears everything
 * down.
 */

import {
  AuxiliaryBus,
  type AuxiliaryDriver,
  accessRegister,
  CoreDevice,
  type CoreHandle,
  nop,
  queryAdapter,
  queryHcaCap,
} from '@auxctl/core';
import {
  AccessRegOpMod,
  CapType,
  CmdHcaCap,
  Eth8023Counters,
  PpcntGroup,
  PpcntReg,
  RegisterId,
  readGroupCounters,
} from '@auxctl/prm';
import { createSimDevice, simIdentity } from '@auxctl/sim';

const hex = (n: number, w = 0) => `0x${n.toString(16).padStart(w, '0')}`;

async function main(): Promise<void> {
  const bus = new AuxiliaryBus();
  const bound: CoreHandle[] = [];
  const demoDriver: AuxiliaryDriver<CoreHandle> = {
    name: 'demo_ctl',
    idTable: [{ name: 'mlx5_core.ctl' }],
    probe(adev) {
      bound.push(adev.shared);
    },
  };
  await bus.registerDriver(demoDriver);
  const uevents: string[] = [];
  bus.uevents.subscribe((e) => uevents.push(`${e.action} ${e.device} ${e.env.MODALIAS ?? ''}`));

  const sims = [0, 1].map((i) => createSimDevice({ identity: simIdentity(i) }));
  const cores: CoreDevice[] = [];
  for (const sim of sims)
    cores.push(await CoreDevice.probe({ backend: sim, bus, health: { poll: false } }));

  console.log('auxiliary bus');
  for (const core of cores) {
    const id = core.identity;
    console.log(
      `${core.name}  ${hex(id.vendorId, 4).slice(2)}:${hex(id.deviceId, 4).slice(2)}  fw ${id.fwVersion}  psid ${id.psid}  serial ${id.serial}  [${core.state}]`,
    );
    const devs = bus.listDevices().filter((d) => d.parent === core.name);
    devs.forEach((d, i) => {
      const branch = i === devs.length - 1 ? '└─' : '├─';
      console.log(
        `  ${branch} ${d.device.padEnd(18)} ${d.driver ? `bound to ${d.driver}` : 'no driver'}`,
      );
    });
  }
  console.log('\nuevents');
  for (const u of uevents) console.log(`  ${u}`);

  const h = bound[0]!;
  console.log(`\nfirmware commands on ${h.coreName} through ${h.auxDevice}`);
  const adapter = await queryAdapter(h);
  console.log(
    `  QUERY_ADAPTER      psid ${adapter.psid}, ieee_vendor_id ${hex(adapter.ieeeVendorId, 6)}, vsd_vendor_id ${hex(adapter.vsdVendorId, 4)}`,
  );
  const cur = CmdHcaCap.decode(await queryHcaCap(h, CapType.GENERAL, true));
  const max = CmdHcaCap.decode(await queryHcaCap(h, CapType.GENERAL, false));
  for (const f of [
    'log_max_qp',
    'log_max_cq',
    'log_max_mkey',
    'log_max_pd',
    'port_type',
    'roce',
    'uctx_cap',
  ] as const) {
    console.log(
      `  QUERY_HCA_CAP      ${f.padEnd(14)} cur ${String(cur[f]).padStart(3)}  max ${String(max[f]).padStart(3)}`,
    );
  }
  await nop(h);
  console.log('  NOP                ok');
  const reg = PpcntReg.encode({ local_port: 1, grp: PpcntGroup.IEEE_802_3 });
  const ppcnt = await accessRegister(h, RegisterId.PPCNT, AccessRegOpMod.READ, reg);
  const counters = readGroupCounters(Eth8023Counters, PpcntReg.view(ppcnt, 'counter_set'));
  console.log(
    `  ACCESS_REG PPCNT   port 1 IEEE 802.3: ${counters.size} counters, a_frames_transmitted_ok ${counters.get('a_frames_transmitted_ok')}`,
  );
  const bad = Buffer.alloc(16);
  bad.writeUInt16BE(0x7ff, 0);
  await h
    .cmdDo(bad, 16)
    .catch((e: { code: string; detail?: { status: number; syndrome: number } }) => {
      console.log(
        `  opcode 0x7ff       ${e.code}: status ${hex(e.detail?.status ?? 0)}, syndrome ${hex(e.detail?.syndrome ?? 0, 8)} (unknown opcode)`,
      );
    });

  console.log('\ncommand statistics');
  for (const s of [...cores[0]!.queue.stats().ops].sort((a, b) => a.opcode - b.opcode)) {
    console.log(
      `  ${s.name.padEnd(26)} n ${String(s.n).padStart(3)}  failed ${s.failed}  avg ${Math.round(s.average / 1000)} µs`,
    );
  }

  for (const core of cores) await core.close();
  for (const sim of sims) sim.close();
  console.log('\nclosed: every aux device removed, firmware torn down, queues closed.');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
