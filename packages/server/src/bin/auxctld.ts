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
import { join } from 'node:path';
import { CORE_HEALTH_DEFAULTS } from '@auxctl/core';
import { DEFAULT_CRDUMP_SIZE, MAX_CRDUMP_SIZE } from '@auxctl/sim';
import { Command } from 'commander';
import { AuxctlServer, DEFAULT_LISTEN, SERVER_DEFAULTS } from '../auxctl-server.js';
import { type AuxctldFlags, serverOptionsOf } from '../daemon/auxctld-flags.js';
import { bearerConfigOf } from '../daemon/bearer-options.js';
import { daemonLogs } from '../daemon/daemon-logs.js';
import { unmetRequirements } from '../daemon/flag-requirements.js';
import {
  integerIn,
  listOf,
  nameList,
  nonNegativeInt,
  oneOf,
  positiveInt,
} from '../daemon/option-values.js';
import { connectCommand, startBanner } from '../daemon/start-banner.js';
import { defaultStateDir } from '../security/index.js';
import { SOURCE_CHOICES } from '../sources/open-sources.js';
import { SIM_DEFAULT_VFS, SIM_LATENCY_PROFILES } from '../sources/sim/sim-source.js';

const MiB = 1024 * 1024;
const { limits, dumps } = SERVER_DEFAULTS;

const program = new Command('auxctld')
  .description('auxctl daemon: scoped, audited firmware RPCs over authenticated gRPC')
  .option(
    '--source <names>',
    "device sources, comma-separated: sim (simulated devices), fwctl (the kernel's /dev/fwctl devices), auto (fwctl when the host has any, else sim)",
    listOf(SOURCE_CHOICES),
    [...SERVER_DEFAULTS.sources],
  )
  .option('--fwctl-sysfs-root <dir>', 'sysfs root the fwctl source reads', '/sys')
  .option('--fwctl-dev-root <dir>', 'root of the /dev/fwctl device nodes', '/dev')
  .option('--fwctl-proc-root <dir>', 'procfs root (the kernel taint)', '/proc')
  .option(
    '--fwctl-poll <ms>',
    'how often the fwctl source looks for added and removed devices',
    integerIn(10, 3_600_000),
    2000,
  )
  .option(
    '--fwctl-kernel-double <n>',
    "try the fwctl source without the hardware: serve n simulated mlx5 functions through a double of the kernel's fwctl (default: the host kernel)",
    integerIn(1, 8),
  )
  .option('--devlink <path>', 'devlink (iproute2) for the coredumps of fwctl devices', 'devlink')
  .option(
    '--devices <n>',
    'number of simulated devices (1..64)',
    integerIn(1, 64),
    SERVER_DEFAULTS.devices,
  )
  .option(
    '--sim-vfs <n>',
    'SR-IOV VFs each simulated PF offers (sriov_totalvfs, 0..16); enable them with auxctl vf numvfs',
    integerIn(0, 16),
    SIM_DEFAULT_VFS,
  )
  .option(
    '--sim-wire-listen <host:port>',
    "plug the first simulated PF's port 1 into a cable that another auxctld's --sim-wire-connect reaches (default: no cable)",
  )
  .option(
    '--sim-wire-connect <host:port>',
    "plug the first simulated PF's port 1 into the cable another auxctld listens on, redialling until it answers (default: no cable)",
  )
  .option(
    '--sim-crdump-size <bytes>',
    `core dump size of each simulated device (1..${MAX_CRDUMP_SIZE})`,
    integerIn(1, MAX_CRDUMP_SIZE),
    DEFAULT_CRDUMP_SIZE,
  )
  .option(
    '--sim-latency <profile>',
    'command latency profile of the simulated devices: none (instant) or hardware (about 20 us a command)',
    oneOf(SIM_LATENCY_PROFILES),
    'none',
  )
  .option('--listen <host:port>', 'listen address', DEFAULT_LISTEN)
  .option('--state-dir <dir>', 'state directory (CA, certificates, policy)', defaultStateDir())
  .option('--policy <file>', 'policy file (default: <state-dir>/policy.json, admin only)')
  .option('--insecure', 'plaintext gRPC; loopback addresses only')
  .option('--audit-log <file>', 'write audit lines to this file (default: the main log)')
  .option(
    '--drain-timeout <ms>',
    'graceful drain bound on SIGTERM',
    nonNegativeInt,
    SERVER_DEFAULTS.drainTimeoutMs,
  )
  .option(
    '--dump-store-mib <n>',
    'MiB of captured dumps kept for download and resume',
    positiveInt,
    dumps.storeBytes / MiB,
  )
  .option(
    '--dump-max-age <s>',
    'seconds a captured dump stays resumable',
    positiveInt,
    dumps.maxAgeMs / 1000,
  )
  .option('--dumps <n>', 'dump calls running at once in total', positiveInt, dumps.concurrent)
  .option(
    '--dumps-per-principal <n>',
    'dump calls running at once per principal',
    positiveInt,
    dumps.concurrentPerPrincipal,
  )
  .option(
    '--streams-per-connection <n>',
    'open streaming calls (Session, WatchDevices, dumps) per connection',
    positiveInt,
    limits.streamsPerConnection,
  )
  .option(
    '--streams-per-principal <n>',
    'open streaming calls per principal, all its connections together',
    positiveInt,
    limits.streamsPerPrincipal,
  )
  .option(
    '--max-concurrent-streams <n>',
    'HTTP/2 streams (calls of any kind) open at once per connection',
    positiveInt,
    limits.maxConcurrentStreams,
  )
  .option(
    '--anonymous-principal <name>',
    'principal of calls without credentials (with --insecure only)',
    SERVER_DEFAULTS.anonymousPrincipal,
  )
  .option(
    '--bearer-key <file>',
    'accept JWT bearer tokens verified with this key: a public key PEM, a JWK or JWK set (JSON), else the file is an HMAC secret (default: tokens are refused)',
  )
  .option(
    '--bearer-algorithms <list>',
    'accepted token algorithms (default: HS256 for a secret, ES256,ES384,RS256,PS256,EdDSA for a public key)',
    nameList,
  )
  .option(
    '--bearer-issuer <list>',
    'accepted token issuers (iss), comma-separated (default: any)',
    nameList,
  )
  .option(
    '--bearer-audience <list>',
    'accepted token audiences (aud), comma-separated (default: any)',
    nameList,
  )
  .option(
    '--bearer-clock-tolerance <s>',
    'allowed clock skew for exp/nbf in seconds (0..300)',
    integerIn(0, 300),
    30,
  )
  .option(
    '--rate <n>',
    'calls and firmware RPCs per second per principal',
    positiveInt,
    limits.ratePerSec,
  )
  .option('--rate-burst <n>', 'burst of the per-principal rate', positiveInt, limits.rateBurst)
  .option(
    '--sessions-per-principal <n>',
    'open Sessions per principal',
    positiveInt,
    limits.sessionsPerPrincipal,
  )
  .option('--sessions <n>', 'open Sessions in total', positiveInt, limits.sessionsTotal)
  .option(
    '--max-in-flight <n>',
    'RPCs running at once in one Session',
    positiveInt,
    limits.maxInFlight,
  )
  .option(
    '--max-message-kib <n>',
    'largest request message in KiB (the largest firmware command is 256 KiB + 16 bytes)',
    integerIn(257, 65536),
    limits.maxMessageBytes / 1024,
  )
  .option(
    '--umem-mib-per-context <n>',
    'MiB of server memory one Session may register as umem',
    integerIn(1, 4096),
    limits.umemBytesPerContext / MiB,
  )
  .option(
    '--exec-context-idle <ms>',
    'how long Exec keeps an unused context for the next Exec (0: one context per call)',
    nonNegativeInt,
    SERVER_DEFAULTS.execContextIdleMs,
  )
  .option(
    '--health-interval <ms>',
    'time between two polls of a device health buffer (10..3600000)',
    integerIn(10, 3_600_000),
    CORE_HEALTH_DEFAULTS.intervalMs,
  )
  .option(
    '--health-misses <n>',
    'polls in a row with a stuck health counter that make a fatal error (1..100)',
    integerIn(1, 100),
    CORE_HEALTH_DEFAULTS.maxMisses,
  )
  .option(
    '--recover-grace <ms>',
    'least time between two automatic recoveries of one device',
    nonNegativeInt,
    CORE_HEALTH_DEFAULTS.gracePeriodMs,
  )
  .option(
    '--no-auto-recover',
    'leave a device in its fatal error state (default: recover it, as mlx5 does)',
  )
  .option(
    '--log-format <format>',
    'auto (readable on a terminal, JSON lines otherwise), json or pretty',
    oneOf(['auto', 'json', 'pretty']),
    'auto',
  )
  .option(
    '--metrics-listen <host:port>',
    'serve Prometheus metrics at http://<host:port>/metrics (plain HTTP, no auth: use loopback; default: off)',
  )
  .showHelpAfterError();

async function main(): Promise<void> {
  program.parse();
  const unmet = unmetRequirements((name) => {
    const source = program.getOptionValueSource(name);
    return source !== undefined && source !== 'default';
  });
  if (unmet.length > 0) program.error(unmet.map((m) => `error: ${m}`).join('\n'));
  const o = program.opts<AuxctldFlags>();
  const readable = o.logFormat === 'pretty' || (o.logFormat === 'auto' && process.stdout.isTTY);
  const { logger, auditLogger } = daemonLogs({
    readable,
    ...(o.auditLog && { auditFile: o.auditLog }),
  });
  let server: AuxctlServer;
  try {
    const bearer =
      o.bearerKey === undefined
        ? undefined
        : await bearerConfigOf({
            keyFile: o.bearerKey,
            ...(o.bearerAlgorithms && { algorithms: o.bearerAlgorithms }),
            ...(o.bearerIssuer && { issuer: o.bearerIssuer }),
            ...(o.bearerAudience && { audience: o.bearerAudience }),
            clockToleranceSec: o.bearerClockTolerance,
          });
    server = new AuxctlServer({
      ...serverOptionsOf(o),
      ...(bearer && { bearer }),
      logger,
      auditLogger,
    });
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    process.exitCode = 1;
    return;
  }
  let address: string;
  try {
    address = await server.start();
  } catch (err) {
    logger.fatal({ err }, 'cannot start');
    process.exitCode = 1;
    return;
  }
  // Handlers first, then the banner: whoever reads that it runs may stop it at once.
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
  const state = server.state;
  if (state) {
    const facts = {
      address: server.clientAddress ?? address,
      stateDir: state.paths.dir,
      insecure: o.insecure === true,
    };
    // The auxctl CLI (and AuxctlClient.connect()) read client.json from AUXCTL_STATE_DIR.
    const hint = connectCommand(facts);
    if (readable) {
      process.stdout.write(
        startBanner({
          ...facts,
          policy: o.policy ?? join(state.paths.dir, 'policy.json'),
          clientConfig: state.paths.clientConfig,
          firstStart: state.firstStart,
          audit: o.auditLog ?? 'this log (stream=audit)',
          ...(server.metricsAddress && { metrics: server.metricsAddress }),
        }),
      );
    } else {
      logger.info(
        { address, clientConfig: state.paths.clientConfig, firstStart: state.firstStart, hint },
        'connect with',
      );
    }
  }
  process.on('SIGHUP', () => {
    server.reloadPolicy().then(
      (r) => logger.info({ ok: r.ok, generation: r.generation }, 'policy reloaded'),
      (err: unknown) => logger.error({ err }, 'policy reload failed'),
    );
  });
}

void main();
