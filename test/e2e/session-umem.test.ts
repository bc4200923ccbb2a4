import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuxctlClient } from '@auxctl/client';
import { buildInbox } from '@auxctl/core';
import {
  AccessRegisterIn,
  AccessRegisterOut,
  AccessRegOpMod,
  CoreDumpReg,
  CoreDumpType,
  Op,
  REGISTER_DATA_OFFSET,
  RegisterId,
} from '@auxctl/prm';
import { AuxctlServer } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A remote user takes the coredump into memory with raw RPCs alone: the
// Session registers server-side memory (umem + PD + mkey), a raw ACCESS_REG
// CORE_DUMP with CR_DUMP_TO_MEM makes the device write the dump there, and
// reading the umem back gives the same bytes the Coredump call streams.

const CRDUMP_SIZE = 2 * 1024 * 1024 + 12_345;

describe('a coredump into session memory through raw RPCs', () => {
  let dir: string;
  let server: AuxctlServer;
  let client: AuxctlClient;
  let device: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-umem-'));
    server = new AuxctlServer({
      stateDir: join(dir, 'state'),
      listen: '127.0.0.1:0',
      health: { poll: false },
      drainTimeoutMs: 1000,
      devices: 1,
      crdumpSize: CRDUMP_SIZE,
    });
    const address = await server.start();
    device = server.fleet.cores()[0]?.name ?? '';
    client = await AuxctlClient.connect(
      { config: join(dir, 'state', 'client.json'), host: address },
      {},
      {},
    );
  });

  afterAll(async () => {
    client?.close();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('CR_DUMP_TO_MEM into a Session umem reads back the bytes Coredump streams', async () => {
    const fw = server.fleet.sim(device).engine;
    const baseline = fw.objectCounts();
    const session = await client.openSession(device, 'DEBUG_READ_ONLY');
    const umem = await session.umemReg(CRDUMP_SIZE);
    expect(umem.bytes).toBeGreaterThanOrEqual(CRDUMP_SIZE);

    const data = CoreDumpReg.encode({
      core_dump_type: CoreDumpType.CR_DUMP_TO_MEM,
      mkey: umem.mkey,
      address: 0n,
      size: umem.bytes,
    });
    const inbox = buildInbox(
      AccessRegisterIn,
      Op.ACCESS_REG,
      { op_mod: AccessRegOpMod.READ, register_id: RegisterId.CORE_DUMP, argument: 0 },
      data.length,
    );
    data.copy(inbox, REGISTER_DATA_OFFSET);
    const outbox = await session.rpc(inbox, AccessRegisterOut.bytes + data.length);
    expect(outbox[0]).toBe(0);
    const reply = CoreDumpReg.decode(outbox.subarray(REGISTER_DATA_OFFSET));
    expect([reply.dump_size, reply.size, reply.more_dump]).toEqual([CRDUMP_SIZE, CRDUMP_SIZE, 0]);

    const viaUmem = await session.umemRead(umem.umemId, { length: reply.size });
    const file = join(dir, 'crdump.bin');
    await client.downloadDump({ kind: 'coredump', request: { device } }, { file });
    const streamed = await readFile(file);
    expect(streamed.length).toBe(CRDUMP_SIZE);
    expect(viaUmem.equals(streamed)).toBe(true);

    await session.umemUnreg(umem.umemId);
    await expect(session.umemRead(umem.umemId)).rejects.toMatchObject({ code: 'ENOENT' });
    await session.close();
    expect(fw.objectCounts()).toEqual(baseline);
  });
});
