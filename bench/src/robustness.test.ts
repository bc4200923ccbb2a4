import { describe, expect, it } from 'vitest';
import { measureRobustness } from './robustness.js';

// One auxctld process (the built daemon) under 200 never-reading dump
// streams and 200 idle streams over 20 connections of 10 principals: a
// stalled stream costs a bounded stream buffer, never a dump, and what the
// streams held is given back when their clients go.
describe('auxctld memory under streams that never read', () => {
  it('stays within 64 MiB of RSS growth, and heap + external return within 16 MiB after the clients go', async () => {
    const f = await measureRobustness({
      principals: 10,
      dumpStreamsPerPrincipal: 20,
      idleStreamsPerPrincipal: 20,
    });
    console.info('robustness figures', f);
    expect(f.dump_streams).toBe(200);
    expect(f.idle_streams).toBe(200);
    expect(f.idle_streams_open).toBe(200);
    // Every dump call is open (stalled) or was refused because the store is full of pinned dumps.
    expect(f.dump_streams_open).toBeGreaterThanOrEqual(100);
    expect(f.dump_streams_refused).toMatch(/^(none|RESOURCE_EXHAUSTED:\d+)$/);
    expect(f.streams_rss_growth_mib).toBeLessThan(64);
    expect(f.streams_gone_heap_delta_mib).toBeLessThan(16);
  }, 180_000);
});
