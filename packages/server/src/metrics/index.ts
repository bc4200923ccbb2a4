/**
 * Metrics: auxctld's Prometheus metrics, their HTTP endpoint, and the
 * hooks that feed them (call middleware, metered ctl channels).
 */

export {
  errorStatusLabel,
  OTHER_OPCODE,
  opcodeLabel,
  outboxStatusLabel,
} from './fw-command-labels.js';
export {
  type FwCommand,
  type FwCommandObserver,
  meteredChannel,
  meteredRpc,
} from './metered-channel.js';
export { type MetricsHttp, serveMetrics } from './metrics-http.js';
export { type MetricsSources, ServerMetrics } from './server-metrics.js';
