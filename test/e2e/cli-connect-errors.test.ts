import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auxctlMain, ExitCode } from '@auxctl/client';
import { AuxctlServer, ensureState } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo, type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// What a person sees when auxctl cannot talk to auxctld: the cause and what
// to do, never grpc-js's bare "Resolution note:".
describe('auxctl connection failures say what is wrong', () => {
  let s: RunningServer;
  let dir: string;
  beforeAll(async () => {
    s = await startAuxctld();
    dir = await mkdtemp(join(tmpdir(), 'auxctl-connect-'));
  });
  afterAll(async () => {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a state directory of another auxctld: its CA does not sign this server', async () => {
    const other = await ensureState(join(dir, 'other-state'));
    const r = await runCli(s, ['devices'], memoryIo({ AUXCTL_STATE_DIR: other.paths.dir }));
    expect(r.code).toBe(ExitCode.CONNECTION);
    expect(r.err).toContain('UNAVAILABLE');
    expect(r.err).toContain("the server's certificate is not signed by the CA this client trusts");
    expect(r.err).toContain(other.paths.caCert);
    expect(r.err).toContain('belongs to another auxctld');
    expect(r.err).not.toContain('Resolution note');
  });

  it('--insecure against a TLS server: drop --insecure', async () => {
    const r = await runCli(s, ['--insecure', 'devices'], memoryIo({}));
    expect(r.code).toBe(ExitCode.CONNECTION);
    expect(r.err).toContain('it speaks TLS; drop --insecure');
    expect(r.err).not.toContain('Resolution note');
  });

  it('--token against a server that takes only certificates: says it accepts no bearer tokens', async () => {
    const io = memoryIo({ AUXCTL_STATE_DIR: s.stateDir });
    const r = await runCli(s, ['--token', 'not-for-this-server', 'devices'], io);
    expect(r.code).toBe(ExitCode.CONNECTION);
    expect(r.err).toMatch(/^auxctl devices: UNAUTHENTICATED: /);
    expect(r.err).toContain('this server does not accept bearer tokens');
    expect(r.err).not.toContain('Resolution note');
  });

  it('TLS against a plaintext server: add --insecure', async () => {
    const plain = new AuxctlServer({
      stateDir: join(dir, 'plain-state'),
      listen: '127.0.0.1:0',
      insecure: true,
      devices: 1,
      health: { poll: false },
    });
    const address = await plain.start();
    try {
      const io = memoryIo({ AUXCTL_STATE_DIR: s.stateDir });
      const code = await auxctlMain(['--host', address, 'devices'], io);
      expect(code).toBe(ExitCode.CONNECTION);
      expect(io.err).toContain('the server speaks plaintext (auxctld --insecure): add --insecure');
    } finally {
      await plain.stop();
    }
  });

  it('nothing listening: start auxctld or check the address', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    const io = memoryIo({ AUXCTL_STATE_DIR: s.stateDir });
    const code = await auxctlMain(['--host', `127.0.0.1:${port}`, 'devices'], io);
    expect(code).toBe(ExitCode.CONNECTION);
    expect(io.err).toContain('nothing accepts connections there: start auxctld');
    expect(io.err).not.toContain('Resolution note');
  });
});
