#!/usr/bin/env node
/**
 * auxctld: the daemon's command line. Starts an AuxctlServer, prints where
 * it listens (one JSON log line `{"msg":"listening","address":...}` on
 * stdout) and how to connect, drains on SIGTERM/SIGINT and re-reads the
 * policy on SIGHUP.
 *
 * Owns argument parsing and process signals only; everything else is the
 * server's. It must never print a key or a token.
 */
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { AuxctlServer, DEFAULT_LISTEN, DEFAULT_MAX_CONCURRENT_STREAMS } from '../auxctl-server.js';
import { DEFAULT_STREAMS_PER_CONNECTION, DEFAULT_STREAMS_PER_PRINCIPAL } from '../limits/index.js';
import { defaultStateDir } from '../security/index.js';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new InvalidArgumentError('must be an integer 1..64');
  }
  return n;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const MiB = 1024 * 1024;

const program = new Command('auxctld')
  .description('auxctl daemon: scoped, audited firmware RPCs over authenticated gRPC')
  .option('--devices <n>', 'number of simulated devices', count, 2)
  .option('--listen <host:port>', 'listen address', DEFAULT_LISTEN)
  .option('--state-dir <dir>', 'state directory (CA, certificates, policy)', defaultStateDir())
  .option('--policy <file>', 'policy file (default: <state-dir>/policy.json, admin only)')
  .option('--insecure', 'plaintext gRPC; loopback addresses only')
  .option('--audit-log <file>', 'write audit lines to this file (default: the main log)')
  .option('--drain-timeout <ms>', 'graceful drain bound on SIGTERM', (v) => Number(v), 5000)
  .option(
    '--dump-store-mib <n>',
    'MiB of captured dumps kept for download and resume',
    positiveInt,
    256,
  )
  .option('--dump-max-age <s>', 'seconds a captured dump stays resumable', positiveInt, 600)
  .option('--dumps <n>', 'dump calls running at once in total', positiveInt, 4)
  .option('--dumps-per-principal <n>', 'dump calls running at once per principal', positiveInt, 2)
  .option(
    '--streams-per-connection <n>',
    'open streaming calls (Session, WatchDevices, dumps) per connection',
    positiveInt,
    DEFAULT_STREAMS_PER_CONNECTION,
  )
  .option(
    '--streams-per-principal <n>',
    'open streaming calls per principal, all its connections together',
    positiveInt,
    DEFAULT_STREAMS_PER_PRINCIPAL,
  )
  .option(
    '--max-concurrent-streams <n>',
    'HTTP/2 streams (calls of any kind) open at once per connection',
    positiveInt,
    DEFAULT_MAX_CONCURRENT_STREAMS,
  )
  .option(
    '--metrics-listen <host:port>',
    'serve Prometheus metrics at http://<host:port>/metrics (plain HTTP, no auth: use loopback)',
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{
    devices: number;
    listen: string;
    stateDir: string;
    policy?: string;
    insecure?: boolean;
    auditLog?: string;
    drainTimeout: number;
    dumpStoreMib: number;
    dumpMaxAge: number;
    dumps: number;
    dumpsPerPrincipal: number;
    streamsPerConnection: number;
    streamsPerPrincipal: number;
    maxConcurrentStreams: number;
    metricsListen?: string;
  }>();
  const logger = pino({ base: { service: 'auxctld' } });
  const auditLogger = o.auditLog
    ? pino(
        { base: { stream: 'audit' } },
        pino.destination({ dest: o.auditLog, append: true, mkdir: true }),
      )
    : logger.child({ stream: 'audit' });
  const server = new AuxctlServer({
    stateDir: o.stateDir,
    devices: o.devices,
    listen: o.listen,
    ...(o.policy !== undefined && { policyPath: o.policy }),
    insecure: o.insecure === true,
    logger,
    auditLogger,
    drainTimeoutMs: o.drainTimeout,
    ...(o.metricsListen !== undefined && { metricsListen: o.metricsListen }),
    dumps: {
      storeBytes: o.dumpStoreMib * MiB,
      maxAgeMs: o.dumpMaxAge * 1000,
      concurrent: o.dumps,
      concurrentPerPrincipal: o.dumpsPerPrincipal,
    },
    limits: {
      streamsPerConnection: o.streamsPerConnection,
      streamsPerPrincipal: o.streamsPerPrincipal,
      maxConcurrentStreams: o.maxConcurrentStreams,
    },
  });
  let address: string;
  try {
    address = await server.start();
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    process.exitCode = 1;
    return;
  }
  const state = server.state;
  if (state) {
    logger.info(
      {
        address,
        clientConfig: state.paths.clientConfig,
        firstStart: state.firstStart,
        // The auxctl CLI (and AuxctlClient.connect()) read client.json from AUXCTL_STATE_DIR.
        hint: o.insecure
          ? `npx auxctl --insecure --host ${address} devices`
          : `AUXCTL_STATE_DIR=${state.paths.dir} npx auxctl --host ${address} devices`,
      },
      'connect with',
    );
  }
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    server.stop().then(
      () => logger.info('stopped'),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    server.reloadPolicy().then(
      (r) => logger.info({ ok: r.ok, generation: r.generation }, 'policy reloaded'),
      (err: unknown) => logger.error({ err }, 'policy reload failed'),
    );
  });
}

void main();
