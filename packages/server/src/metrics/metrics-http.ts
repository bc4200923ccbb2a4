/**
 * MetricsHttp: the plain HTTP endpoint that serves `GET /metrics` in the
 * Prometheus text format.
 *
 * It has no authentication and no TLS, so it belongs on a loopback address
 * (or one only the scraper can reach); the metrics name devices and
 * methods but never principals, payloads or dump contents. Owns the
 * listener and its close. It must never serve anything but the registry's
 * text (other paths are 404, other methods 405).
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { Registry } from 'prom-client';
import { formatListenAddress, parseListenAddress } from '../security/index.js';

/** MetricsHttp: a started endpoint. */
export interface MetricsHttp {
  /** Bound `host:port` (the port resolved when 0 was asked for). */
  readonly address: string;
  /** close: stop listening and drop idle connections. Idempotent. */
  close(): Promise<void>;
}

/** serveMetrics: listen on `listen` (host:port) and serve `registry` at /metrics. */
export async function serveMetrics(
  listen: string,
  registry: Registry,
  log: Logger,
): Promise<MetricsHttp> {
  const { host, port } = parseListenAddress(listen);
  if (port === undefined) {
    throw new AuxError(
      'EINVAL',
      `metrics listen address ${JSON.stringify(listen.slice(0, 100))} has no port; use host:port such as 127.0.0.1:9464`,
    );
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end();
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.error({ err }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound ? bound.port : port;
  const address = formatListenAddress(host, boundPort);
  let closing: Promise<void> | undefined;
  return {
    address,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
