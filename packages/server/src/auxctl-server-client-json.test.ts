import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuxctlServer } from './auxctl-server.js';
import { connectAddress, recordClientAddress, statePaths } from './security/index.js';
import { startHarness } from './test-support/server-harness.js';

// client.json is what `auxctl` reads by default: it must name the address
// the server is bound to, also when the port was picked by the kernel.
describe('client.json follows the bound address', () => {
  it('a server on 127.0.0.1:0 writes its bound port, and a restart on another port rewrites it', async () => {
    const h = await startHarness({ devices: 1 });
    const file = join(h.dir, 'state', 'client.json');
    try {
      expect(h.address).not.toMatch(/:0$/);
      const first = JSON.parse(await readFile(file, 'utf8'));
      expect(first.address).toBe(h.address);
      // A field the operator added is kept when the address changes.
      await writeFile(file, JSON.stringify({ ...first, serverName: 'localhost' }));
      await h.server.stop();
      const again = new AuxctlServer({
        stateDir: join(h.dir, 'state'),
        listen: '127.0.0.1:0',
        devices: 1,
        health: { poll: false },
      });
      const address = await again.start();
      try {
        const second = JSON.parse(await readFile(file, 'utf8'));
        expect(second.address).toBe(address);
        expect(second.serverName).toBe('localhost');
        expect(second.cert).toBe(first.cert);
      } finally {
        await again.stop();
      }
    } finally {
      await h.close();
    }
  });

  it('recordClientAddress leaves a file that already names the address untouched', async () => {
    const h = await startHarness({ devices: 1 });
    try {
      const paths = statePaths(join(h.dir, 'state'));
      expect(await recordClientAddress(paths, h.address)).toBe(false);
      expect(await recordClientAddress(paths, '127.0.0.1:1')).toBe(true);
      expect(JSON.parse(await readFile(paths.clientConfig, 'utf8')).address).toBe('127.0.0.1:1');
    } finally {
      await h.close();
    }
  });

  it('a wildcard listen address is reached through loopback', () => {
    expect(connectAddress('0.0.0.0', 9339)).toBe('127.0.0.1:9339');
    expect(connectAddress('::', 9339)).toBe('[::1]:9339');
    expect(connectAddress('127.0.0.2', 1)).toBe('127.0.0.2:1');
    expect(connectAddress('::1', 1)).toBe('[::1]:1');
  });
});
