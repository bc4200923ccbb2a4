import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuxctlClient } from '@auxctl/client';
import { Device, DeviceServiceService, type ListDevicesRequest } from '@auxctl/proto';
// auxctld's own state directory and TLS credentials, so the client is checked
// against the files the server really writes.
import {
  ensureState,
  mtlsServerCredentials,
  principalOfCall,
  type StateReport,
} from '@auxctl/server';
import { Server, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('AuxctlClient over mutual TLS with the client.json auxctld writes', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let state: StateReport;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-tls-'));
    state = await ensureState(dir);
    const p = state.paths;
    const [caPem, certPem, keyPem] = await Promise.all([
      readFile(p.caCert),
      readFile(p.serverCert),
      readFile(p.serverKey),
    ]);
    server = new Server();
    server.addService(DeviceServiceService, {
      listDevices(call: ServerUnaryCall<ListDevicesRequest, unknown>, cb: sendUnaryData<unknown>) {
        // The principal the server authenticated comes back as the device name.
        cb(null, { devices: [Device.fromPartial({ name: principalOfCall(call) ?? 'anonymous' })] });
      },
    });
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', mtlsServerCredentials({ caPem, certPem, keyPem }), (e, n) =>
        e ? reject(e) : resolve(n),
      );
    });
  });
  afterAll(async () => {
    server?.forceShutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('connects with the admin certificate from client.json (the host overridden)', async () => {
    const client = await AuxctlClient.connect(
      { host: `127.0.0.1:${port}` },
      {},
      { AUXCTL_STATE_DIR: dir },
    );
    try {
      const devices = await client.listDevices();
      expect(devices.map((d) => d.name)).toEqual(['spiffe://auxctl/admin']);
    } finally {
      client.close();
    }
  });

  it('without a client certificate the handshake is refused', async () => {
    const client = await AuxctlClient.connect(
      { host: `127.0.0.1:${port}`, ca: state.paths.caCert, token: 'not-a-certificate' },
      {},
      {},
    );
    try {
      await expect(client.listDevices()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    } finally {
      client.close();
    }
  });
});
