import { describe, expect, it } from 'vitest';
import { runEmbedExample } from './net-embed.js';
import { readmeExample } from './test-support/readme-example.js';

describe('the embedding example', () => {
  it('brings up two interfaces over a wire and gets every ping echoed', async () => {
    const r = await runEmbedExample();
    expect(r.interfaces.map((i) => i.name)).toEqual(['eth0', 'eth1']);
    expect(r.interfaces.every((i) => i.up && i.linkUp && i.mtu === 1500)).toBe(true);
    expect(r.interfaces[0]!.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    expect(r.interfaces[0]!.mac).not.toBe(r.interfaces[1]!.mac);
    expect(r.pings).toBe(4);
    expect(r.echoesMatched).toBe(4);
    expect(r.stats.eth0).toEqual({ tx_packets: 4n, rx_packets: 4n, tx_dropped: 0n });
    expect(r.stats.eth1).toEqual({ tx_packets: 4n, rx_packets: 4n, tx_dropped: 0n });
  });

  it('is the code the README shows, imports and all', () => {
    const { readme, imports, body } = readmeExample('net-aux', 'net-embed.ts');
    for (const line of imports) expect(readme).toContain(line);
    expect(readme).toContain(body);
  });
});
