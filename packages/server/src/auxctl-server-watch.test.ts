import {
  type ActivateRequest,
  type ActivateResponse,
  type AddRequest,
  type AddResponse,
  type DeleteRequest,
  type DeleteResponse,
  DeviceState,
  PortFunctionServiceClient,
  type WatchDevicesResponse,
} from '@auxctl/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, unaryCall } from './test-support/server-harness.js';

// WatchDevices over a real server while sub-functions come and go.
const DEV0 = '0000:08:00.0';

describe('WatchDevices and sub-functions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('announces an SF device with its snapshot before any other event of it, and its removal after', async () => {
    const pfc = new PortFunctionServiceClient(h.address, h.admin);
    const watch = h
      .devices(h.admin)
      .watchDevices({ devices: [], sendSnapshot: false, resumeAfter: 0 });
    watch.on('error', () => {});
    const seen: WatchDevicesResponse[] = [];
    let sf = '';
    const closed = new Promise<void>((resolve) => {
      watch.on('data', (m: WatchDevicesResponse) => {
        seen.push(m);
        if (
          m.device === sf &&
          m.event?.$case === 'stateChanged' &&
          m.event.stateChanged.state === DeviceState.DEVICE_STATE_CLOSED
        ) {
          resolve();
        }
      });
    });
    try {
      const added = await unaryCall<AddRequest, AddResponse>(pfc.add.bind(pfc), {
        device: DEV0,
        pfnum: 0,
        sfnum: 9,
      });
      const index = added.portFunction?.index ?? -1;
      const act = await unaryCall<ActivateRequest, ActivateResponse>(pfc.activate.bind(pfc), {
        device: DEV0,
        index,
      });
      sf = act.portFunction?.device ?? '';
      expect(sf).not.toBe('');
      await unaryCall<DeleteRequest, DeleteResponse>(pfc.delete.bind(pfc), { device: DEV0, index });
      await closed;
      const ofSf = seen.filter((m) => m.device === sf);
      expect(ofSf[0]?.event?.$case).toBe('snapshot');
      const snap = ofSf[0]?.event?.$case === 'snapshot' ? ofSf[0].event.snapshot : undefined;
      expect(snap?.name).toBe(sf);
      expect(snap?.parent).toBe(DEV0);
      expect(ofSf.filter((m) => m.event?.$case === 'snapshot')).toHaveLength(1);
      const sequences = seen.map((m) => m.sequence);
      expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    } finally {
      watch.cancel();
      pfc.close();
    }
  });
});
