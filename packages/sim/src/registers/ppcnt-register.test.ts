import {
  CmdStatus,
  Eth2863Counters,
  Eth8023Counters,
  groupCounters,
  PhysLayerCounters,
  PhysLayerStatisticalCounters,
  PpcntGroup,
  PpcntReg,
  RegisterId,
  readGroupCounters,
  Syndrome,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FwError } from '../fw-error.js';
import { RegisterFile } from './register-file.js';
import { accessReg } from './test-support/access-reg-command.js';
import { FakeRegisterHost } from './test-support/fake-register-host.js';

const COUNTER_SET = PpcntReg.byteOffset('counter_set');

function readPpcnt(file: RegisterFile, fields: Parameters<typeof PpcntReg.encode>[0]): Buffer {
  return accessReg(file, RegisterId.PPCNT, PpcntReg.encode(fields));
}

function setup() {
  const host = new FakeRegisterHost();
  const port1 = host.ports.get(1)!;
  port1.set('a_frames_transmitted_ok', 0x1_2345_6789n);
  port1.set('a_octets_received_ok', 0xffff_ffff_ffff_fffen);
  port1.set('if_in_ucast_pkts', 42n);
  port1.set('link_down_events', 3n);
  port1.set('phy_received_bits', 1n << 40n);
  host.ports.set(2, new Map([['a_frames_transmitted_ok', 9n]]));
  return { host, port1, file: new RegisterFile(host) };
}

describe('PPCNT', () => {
  it('returns IEEE 802.3 counters by PRM name with 64-bit values split high/low', () => {
    const { file } = setup();
    const out = readPpcnt(file, { local_port: 1, grp: PpcntGroup.IEEE_802_3, swid: 2, pnat: 1 });
    expect(PpcntReg.decode(out)).toMatchObject({ local_port: 1, grp: 0, swid: 2, pnat: 1, clr: 0 });
    const raw = Eth8023Counters.decode(out, COUNTER_SET);
    expect(raw.a_frames_transmitted_ok_high).toBe(1);
    expect(raw.a_frames_transmitted_ok_low).toBe(0x2345_6789);
    const counters = readGroupCounters(Eth8023Counters, out, COUNTER_SET);
    expect(counters.get('a_octets_received_ok')).toBe(0xffff_ffff_ffff_fffen);
    expect(counters.get('a_frames_received_ok')).toBe(0n);
    expect(counters.size).toBe(19);
  });

  it('answers RFC 2863, physical layer and physical statistical groups', () => {
    const { file } = setup();
    const rfc = readPpcnt(file, { local_port: 1, grp: PpcntGroup.RFC_2863 });
    expect(readGroupCounters(Eth2863Counters, rfc, COUNTER_SET).get('if_in_ucast_pkts')).toBe(42n);
    const phy = readPpcnt(file, { local_port: 1, grp: PpcntGroup.PHYSICAL_LAYER });
    expect(PhysLayerCounters.get(phy, 'link_down_events', COUNTER_SET)).toBe(3);
    const stat = readPpcnt(file, { local_port: 1, grp: PpcntGroup.PHYSICAL_LAYER_STATISTICAL });
    expect(
      readGroupCounters(PhysLayerStatisticalCounters, stat, COUNTER_SET).get('phy_received_bits'),
    ).toBe(1n << 40n);
  });

  it('reads each port from its own store', () => {
    const { file } = setup();
    const out = readPpcnt(file, { local_port: 2, grp: PpcntGroup.IEEE_802_3 });
    expect(
      readGroupCounters(Eth8023Counters, out, COUNTER_SET).get('a_frames_transmitted_ok'),
    ).toBe(9n);
  });

  it('clr returns the values, then zeroes only the counters of that group', () => {
    const { file, port1 } = setup();
    const first = readPpcnt(file, { local_port: 1, grp: PpcntGroup.IEEE_802_3, clr: 1 });
    const before = readGroupCounters(Eth8023Counters, first, COUNTER_SET);
    expect(before.get('a_frames_transmitted_ok')).toBe(0x1_2345_6789n);
    expect(port1.get('a_frames_transmitted_ok')).toBe(0n);
    expect(port1.get('if_in_ucast_pkts')).toBe(42n);
    const again = readPpcnt(file, { local_port: 1, grp: PpcntGroup.IEEE_802_3 });
    const after = readGroupCounters(Eth8023Counters, again, COUNTER_SET);
    expect([...after.values()].every((v) => v === 0n)).toBe(true);
  });

  it('fails an unknown port or group with REG_BAD_FIELD and clears nothing', () => {
    const { file, port1 } = setup();
    for (const fields of [
      { local_port: 3, grp: PpcntGroup.IEEE_802_3, clr: 1 },
      { local_port: 0, grp: PpcntGroup.IEEE_802_3, clr: 1 },
      { local_port: 1, grp: PpcntGroup.PER_PRIORITY, clr: 1 },
      { local_port: 1, grp: 0x3f, clr: 1 },
    ]) {
      let err: unknown;
      try {
        readPpcnt(file, fields);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FwError);
      expect((err as FwError).status).toBe(CmdStatus.BAD_PARAM);
      expect((err as FwError).syndrome).toBe(Syndrome.REG_BAD_FIELD);
    }
    expect(port1.get('a_frames_transmitted_ok')).toBe(0x1_2345_6789n);
  });

  it('round-trips any counter values of any supported group', () => {
    const groups = [
      [PpcntGroup.IEEE_802_3, Eth8023Counters],
      [PpcntGroup.RFC_2863, Eth2863Counters],
      [PpcntGroup.PHYSICAL_LAYER, PhysLayerCounters],
      [PpcntGroup.PHYSICAL_LAYER_STATISTICAL, PhysLayerStatisticalCounters],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...groups),
        fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { minLength: 64, maxLength: 64 }),
        ([grp, layout], values) => {
          const host = new FakeRegisterHost();
          const store = host.ports.get(1)!;
          const list = groupCounters(layout);
          list.forEach((c, i) => {
            store.set(c.name, values[i]!);
          });
          const out = accessReg(
            new RegisterFile(host),
            RegisterId.PPCNT,
            PpcntReg.encode({ local_port: 1, grp }),
          );
          const got = readGroupCounters(layout, out, COUNTER_SET);
          list.forEach((c, i) => {
            const v = values[i]!;
            expect(got.get(c.name)).toBe(c.wide ? v : v & 0xffff_ffffn);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});
