import { VdpaDevice, VdpaMgmtDev, VdpaQueueState } from '@auxctl/proto';
import { describe, expect, it } from 'vitest';
import { configText, devicesTable, mgmtdevsText, queueText, statusText } from './vdpa-command.js';

describe('vdpa rendering', () => {
  it('names the status bits, and 0 after a reset', () => {
    expect(statusText(0)).toBe('0');
    expect(statusText(0x0f)).toBe('ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK');
    expect(statusText(0x4f)).toContain('NEEDS_RESET');
    expect(statusText(0x110)).toBe('0x110');
  });

  it('shows management devices with feature names', () => {
    const m = VdpaMgmtDev.fromPartial({
      name: 'auxiliary/mlx5_core.sf.1',
      device: '0000:08:00.0-sf1',
      supportedClasses: ['net'],
      maxSupportedVqs: 17,
      supportedFeatures: [5, 32, 33],
      configAttrs: ['mac', 'max_vqp'],
    });
    const t = mgmtdevsText([m]);
    expect(t).toContain('auxiliary/mlx5_core.sf.1:\n');
    expect(t).toContain('dev_features MAC VERSION_1 ACCESS_PLATFORM');
    expect(t).toContain('max_supported_vqs 17');
    expect(mgmtdevsText([])).toBe('no vdpa management devices\n');
  });

  it('shows devices, and their config only once negotiated', () => {
    const d = VdpaDevice.fromPartial({
      name: 'vdpa0',
      mgmtdev: 'auxiliary/mlx5_core.sf.1',
      device: '0000:08:00.0-sf1',
      deviceId: 1,
      maxVqs: 3,
      minVqSize: 1,
      maxVqSize: 256,
      status: 0x0f,
      driver: 'virtio_vdpa',
    });
    expect(devicesTable([d])).toMatch(/vdpa0\s+network\s+auxiliary\/mlx5_core\.sf\.1/);
    expect(configText([d])).toBe('vdpa0: features negotiation not completed\n');
    const c = VdpaDevice.fromPartial({
      ...d,
      config: {
        mac: '02:00:00:00:00:01',
        linkUp: true,
        mtu: 1500,
        negotiatedFeatures: [5, 32],
        maxVqp: 0,
      },
    });
    expect(configText([c])).toBe(
      'vdpa0: mac 02:00:00:00:00:01 link up mtu 1500\n  negotiated_features MAC VERSION_1\n',
    );
  });

  it('shows a queue and its statistics', () => {
    const t = queueText('vdpa0', {
      queueIndex: 0,
      queueType: 'rx',
      state: VdpaQueueState.VDPA_QUEUE_STATE_READY,
      size: 256,
      availIndex: 7,
      usedIndex: 5,
      stats: [{ name: 'received_desc', value: 7 }],
    });
    expect(t).toContain(
      'queue_type rx queue_index 0 state ready size 256 avail_index 7 used_index 5',
    );
    expect(t).toMatch(/received_desc\s+7/);
  });
});
