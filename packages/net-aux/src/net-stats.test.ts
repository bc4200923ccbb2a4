import { afterEach, describe, expect, it } from 'vitest';
import type { NetDevice } from './net-device.js';
import { composeStats, newSwCounters, PPORT_802_3_NAMES } from './net-stats.js';
import { ethFrame, flush, type NetRig, netRig } from './test-support/net-rig.js';

const rigs: NetRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

/**
 * ledger: every frame `a` was asked to send is either received by `b` or
 * counted as dropped somewhere on the way, by the two netdevs' statistics.
 */
async function ledger(a: NetDevice, b: NetDevice) {
  const sa = await a.stats();
  const sb = await b.stats();
  const n = (k: string, s: Record<string, bigint>) => s[k] ?? 0n;
  return {
    received: n('rx_packets', sb),
    dropped:
      n('tx_dropped', sa) +
      n('rx_dropped', sb) +
      n('rx_crc_errors', sb) +
      n('rx_length_errors', sb),
    sa,
    sb,
  };
}

describe('netdev statistics add up', () => {
  it('with a lossy wire: sent = received + dropped, the losses seen as rx_crc_errors', async () => {
    const r = await netRig({ wire: { lossRate: 0.2, seed: 9 } });
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    let delivered = 0;
    b.onFrame(() => delivered++);
    let sent = 0;
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 40; i++) {
        a.xmit(ethFrame(b.mac, a.mac, 64 + i));
        sent++;
      }
      await flush();
    }
    const l = await ledger(a, b);
    expect(BigInt(sent)).toBe(l.received + l.dropped);
    expect(l.received).toBe(BigInt(delivered));
    expect(l.sb.rx_crc_errors).toBeGreaterThan(0n);
    expect(l.sb.rx_crc_errors).toBe(BigInt(r.wire!.stats().lost));
    expect(l.sa.tx_packets).toBe(l.sa.tx_packets_phy! + l.sa.tx_discards_phy!);
    expect(l.sb.rx_packets_phy).toBe(l.received + l.sb.rx_discards_phy!);
  });

  it('with the peer RX ring starved by bursts: the overflow is rx_discards_phy, nothing vanishes', async () => {
    const r = await netRig({ driver: { logRqSize: 4, logSqSize: 7 } });
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    let sent = 0;
    for (let round = 0; round < 4; round++) {
      // One burst of 100 frames meets 16 posted receive buffers.
      for (let i = 0; i < 100; i++) {
        a.xmit(ethFrame(b.mac, a.mac, 128, i));
        sent++;
      }
      await flush();
    }
    const l = await ledger(a, b);
    expect(BigInt(sent)).toBe(l.received + l.dropped);
    expect(l.received).toBe(64n);
    expect(l.sb.rx_discards_phy).toBe(BigInt(sent) - 64n);
    expect(l.sa.tx_dropped).toBe(0n);
  });

  it('a full TX ring drops and counts (tx_queue_dropped), never throws', async () => {
    const r = await netRig({ driver: { logSqSize: 5 } });
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    const results: boolean[] = [];
    for (let i = 0; i < 50; i++) results.push(a.xmit(ethFrame(b.mac, a.mac, 64)));
    expect(results.filter(Boolean)).toHaveLength(32);
    await flush();
    const l = await ledger(a, b);
    expect(l.sa.tx_queue_dropped).toBe(18n);
    expect(l.received + l.dropped).toBe(50n);
    expect(a.txRoom).toBe(32);
  });
});

describe('composeStats', () => {
  it('gives software counters alone when the device cannot be read, with summaries', () => {
    const sw = newSwCounters();
    sw.tx_queue_dropped = 2n;
    sw.tx_carrier_dropped = 3n;
    sw.rx_wqe_err = 1n;
    const s = composeStats(sw, undefined);
    expect(s).toMatchObject({ tx_dropped: 5n, rx_dropped: 1n });
    expect(s.tx_packets_phy).toBeUndefined();
  });

  it('names every IEEE 802.3 counter the way ethtool prints it for mlx5e', () => {
    const ieee = new Map(PPORT_802_3_NAMES.map(([, prm], i) => [prm, BigInt(i + 1)]));
    const zero = { packets: 0n, octets: 0n };
    const vport = Object.fromEntries(
      [
        'received_errors',
        'transmit_errors',
        'received_ib_unicast',
        'transmitted_ib_unicast',
        'received_ib_multicast',
        'transmitted_ib_multicast',
        'received_eth_broadcast',
        'transmitted_eth_broadcast',
        'received_eth_unicast',
        'transmitted_eth_unicast',
        'received_eth_multicast',
        'transmitted_eth_multicast',
      ].map((k) => [k, zero]),
    ) as never;
    const s = composeStats(newSwCounters(), {
      ieee8023: ieee,
      rfc2863: new Map([['if_in_discards', 7n]]),
      vport,
    });
    expect(s.tx_packets_phy).toBe(1n);
    expect(s.rx_crc_errors_phy).toBe(3n);
    expect(s.rx_oversize_pkts_phy).toBe(12n);
    expect(s.rx_length_errors).toBe(10n + 11n + 12n);
    expect(s.rx_errors).toBe(3n + 33n);
    expect(s.rx_dropped).toBe(7n);
    expect(s.rx_vport_unicast_packets).toBe(0n);
  });
});
