/**
 * The server process of the remote suite: `node remote-server.js '<json>'`
 * starts either auxctld (`{"mode":"auxctld",...}`) or the bare baselines
 * and the Exec floor (`{"mode":"bare",...}`, remote-floor.ts) on 127.0.0.1
 * with the certificates of an existing state directory, prints one JSON
 * line with what it listens on, and runs until SIGTERM or until its stdin
 * closes (so it never outlives the bench).
 *
 * While it runs, the bench may ask on its stdin, one line per request, and
 * it answers one JSON line on its stdout (ServerProcess.ask):
 * `count-start` starts counting the functions this process runs, and
 * `count-take <calls>` answers the CallPath of the `<calls>` calls made
 * since (call-path.ts); a request it cannot answer gets `{"error": ...}`.
 *
 * auxctld writes its log and audit lines as the daemon does with
 * `--audit-log` (daemonLogs), to files of its own in the state directory,
 * so every figure pays for a complete audit trail.
 *
 * It must never create or change the state directory's certificates (the
 * bench prepares them once, so every process shares one CA).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AuxctlServer, daemonLogs, mtlsServerCredentials, statePaths } from '@auxctl/server';
import { startFwctlDouble } from '@auxctl/server/testing';
import { callPath, PathCounter } from './call-path.js';
import { startBareGrpc, startTlsSocket } from './remote-bare.js';
import { addFloorService } from './remote-floor.js';

/** RemoteServerConfig: what the bench asks this process to run. */
export type RemoteServerConfig =
  | {
      mode: 'auxctld';
      stateDir: string;
      crdumpSize?: number;
      maxInFlight: number;
      /** Serve the fwctl source over a kernel double (simulated firmware behind it) instead of sim. */
      fwctlDouble?: boolean;
    }
  | { mode: 'bare'; stateDir: string };

/** RemoteServerReady: the line printed once listening. */
export interface RemoteServerReady {
  address: string;
  tlsPort?: number;
  pid: number;
}

async function start(
  cfg: RemoteServerConfig,
): Promise<{ ready: RemoteServerReady; stop(): Promise<void> }> {
  if (cfg.mode === 'auxctld') {
    const host = cfg.fwctlDouble ? await startFwctlDouble({ devices: 1 }) : undefined;
    // Logged as the daemon logs with --audit-log: every call and audit line is written.
    const logs = daemonLogs({
      mainFile: join(cfg.stateDir, `auxctld-${process.pid}.log`),
      auditFile: join(cfg.stateDir, `audit-${process.pid}.log`),
    });
    const server = new AuxctlServer({
      logger: logs.logger,
      auditLogger: logs.auditLogger,
      stateDir: cfg.stateDir,
      devices: 1,
      ...(host && {
        sources: ['fwctl'],
        fwctl: host.sourceOptions(),
      }),
      listen: '127.0.0.1:0',
      health: { poll: false },
      drainTimeoutMs: 1000,
      // Limits out of the way: the figures measure the path, not the policy's caps.
      limits: {
        ratePerSec: 1e9,
        rateBurst: 1e9,
        maxInFlight: cfg.maxInFlight,
        sessionsPerPrincipal: 256,
        // The sessions figure opens 64 Sessions on one connection (default cap 32).
        streamsPerConnection: 256,
        streamsPerPrincipal: 256,
        maxConcurrentStreams: 256,
      },
      ...(cfg.crdumpSize !== undefined && { crdumpSize: cfg.crdumpSize }),
    });
    const address = await server.start();
    return {
      ready: { address, pid: process.pid },
      stop: async () => {
        await server.stop();
        await host?.close();
        logs.close();
      },
    };
  }
  const p = statePaths(cfg.stateDir);
  const [ca, cert, key] = await Promise.all([
    readFile(p.caCert),
    readFile(p.serverCert),
    readFile(p.serverKey),
  ]);
  const grpc = await startBareGrpc(
    mtlsServerCredentials({ caPem: ca, certPem: cert, keyPem: key }),
    addFloorService,
  );
  const tls = await startTlsSocket({ ca, cert, key });
  return {
    ready: { address: `127.0.0.1:${grpc.port}`, tlsPort: tls.port, pid: process.pid },
    stop: async () => {
      grpc.server.forceShutdown();
      await new Promise<void>((resolve) => tls.server.close(() => resolve()));
    },
  };
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2] ?? '{}') as RemoteServerConfig;
  const running = await start(cfg);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // Bounded: exit even if a connection keeps the server from closing.
    setTimeout(() => process.exit(0), 3000).unref();
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.stdin.on('error', stop);
  const counter = new PathCounter();
  const requests = createInterface({ input: process.stdin });
  requests.on('close', stop);
  // Answered one after the other, in the order asked.
  let answered = Promise.resolve();
  requests.on('line', (line) => {
    answered = answered
      .then(() => answer(line, counter))
      .then(
        (a) => process.stdout.write(`${JSON.stringify(a)}\n`),
        (err: unknown) => process.stdout.write(`${JSON.stringify({ error: String(err) })}\n`),
      )
      .then(() => {});
  });
  process.stdout.write(`${JSON.stringify(running.ready)}\n`);
}

/** answer: the answer to one request line from the bench (see the module header). */
async function answer(line: string, counter: PathCounter): Promise<unknown> {
  const [what, arg] = line.trim().split(/\s+/);
  if (what === 'count-start') {
    await counter.start();
    return { counting: true };
  }
  if (what === 'count-take') return { path: callPath(await counter.take(), Number(arg)) };
  throw new Error(`unknown request: ${line.slice(0, 100)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`remote-server: ${String(err)}\n`);
  process.exit(1);
});
