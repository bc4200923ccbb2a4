import { PortState, TaintEvent, VdpaDeviceEventKind } from '@auxctl/proto';
import { describe, expect, it } from 'vitest';
import { eventLine } from './watch-command.js';

const at = new Date('2026-01-02T03:04:05.000Z');

describe('eventLine', () => {
  it('renders port, taint and other events on one line', () => {
    expect(
      eventLine({
        sequence: 7,
        time: at,
        device: '0000:08:00.0',
        event: { $case: 'port', port: { port: 1, state: PortState.PORT_STATE_DOWN } },
      }),
    ).toBe('7 2026-01-02T03:04:05.000Z 0000:08:00.0 port port 1 down');
    expect(
      eventLine({
        sequence: 8,
        time: at,
        device: '0000:08:00.0',
        event: { $case: 'taint', taint: TaintEvent.fromPartial({ reason: 'debug write' }) },
      }),
    ).toBe('8 2026-01-02T03:04:05.000Z 0000:08:00.0 taint debug write');
    expect(eventLine({ sequence: 9, device: '' })).toBe('9 - - unknown');
    expect(
      eventLine({
        sequence: 10,
        time: at,
        device: 'mlx5_core.sf.1',
        event: {
          $case: 'vdpa',
          vdpa: {
            name: 'vdpa0',
            mgmtdev: 'auxiliary/mlx5_core.sf.1',
            kind: VdpaDeviceEventKind.VDPA_DEVICE_EVENT_KIND_NEEDS_RESET,
          },
        },
      }),
    ).toBe(
      '10 2026-01-02T03:04:05.000Z mlx5_core.sf.1 vdpa vdpa0 needs_reset (mgmtdev auxiliary/mlx5_core.sf.1)',
    );
  });
});
