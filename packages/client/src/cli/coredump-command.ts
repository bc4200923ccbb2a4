/**
 * `auxctl coredump DEV -o FILE [--resume] [--mode umem|inline|auto]`: pull
 * the firmware core dump into FILE, SHA-256 verified; the library keeps
 * the bytes in FILE.part until the hash matched, so FILE never holds a
 * partial dump and an interrupted pull continues with `--resume`.
 *
 * A progress bar (cli-progress) is drawn on the progress stream only for
 * one host, without --json, when stdout is a terminal; cli-progress is
 * loaded only then, so a scripted pull does not pay for it. With fan-out each
 * host's dump goes to DIR/<host>/NAME for `-o DIR/NAME` (the host with
 * characters other than letters, digits, `.`, `_`, `-` replaced by `_`).
 *
 * An interrupt (the io's signal) stops the pull at the next frame: the
 * bytes so far stay in FILE.part with the dump id beside it, and the
 * command fails (REMOTE, code INTERRUPTED) saying to run it again with
 * `--resume`.
 */
import { access, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DumpHeader, DumpMode } from '@auxctl/proto/ctl';
import { type Command, Option } from 'commander';
import type { AuxctlClient } from '../auxctl-client.js';
import type { DumpProgress, DumpSource } from '../dump-download.js';
import { dumpPartPaths } from '../dump-part-file.js';
import { parseDumpMode } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import type { CommandContext } from './command-context.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { HostOutput, HostTarget } from './host-runner.js';

interface CoredumpOptions extends PullOptions {
  mode: DumpMode;
}

/**
 * refuseOverwrite: a usage error when `file` exists and neither --force nor
 * --resume (which finishes FILE.part into FILE) was given.
 */
async function refuseOverwrite(file: string, opts: PullOptions): Promise<void> {
  if (opts.force === true || opts.resume === true) return;
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (exists)
    throw new CliError(ExitCode.USAGE, 'EEXIST', `${file} exists; add --force to replace it`);
}

/** hostDirName: a host as one safe path segment (`10.0.0.1:9339` -> `10.0.0.1_9339`). */
export function hostDirName(host: string): string {
  const safe = host.replace(/[^A-Za-z0-9._-]/g, '_');
  return safe === '.' || safe === '..' ? safe.replace(/\./g, '_') : safe;
}

/** dumpPathFor: FILE for one host; DIR/<host>/NAME with fan-out. */
export function dumpPathFor(file: string, host: string | undefined): string {
  return host === undefined ? file : join(dirname(file), hostDirName(host), basename(file));
}

/** progressEnabled: draw a bar only for one host, without --json, on a terminal. */
export function progressEnabled(io: CliIo, json: boolean, fanOut: boolean): boolean {
  return !json && !fanOut && io.isTTY && io.progressStream !== undefined;
}

/** progressBar: an onProgress callback drawing a bar, and how to stop it. */
async function progressBar(
  io: CliIo,
): Promise<{ onProgress(p: DumpProgress): void; stop(): void }> {
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    stream: io.progressStream,
    format: 'coredump [{bar}] {percentage}% {value}/{total} bytes',
    hideCursor: true,
  });
  let started = false;
  return {
    onProgress(p) {
      if (!started) {
        bar.start(p.total, p.done);
        started = true;
      } else bar.update(p.done);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** registerCoredump: add `coredump` to `program`. */
export function registerCoredump(program: Command, ctx: CommandContext): void {
  program
    .command('coredump')
    .description('save the firmware core dump to a file (SHA-256 verified, resumable)')
    .argument('<device>', 'device (PCI address)')
    .requiredOption('-o, --output <file>', 'where to save it (DIR/<host>/NAME with fan-out)')
    .option('--resume', 'continue FILE.part from an earlier, interrupted pull')
    .option('--force', 'replace FILE if it exists (without it an existing FILE is an error)')
    .addOption(
      new Option(
        '--mode <mode>',
        'umem, inline, host (devlink health, Linux fwctl devices) or auto (the device picks)',
      )
        .argParser(parseDumpMode)
        .default(DumpMode.DUMP_MODE_UNSPECIFIED, 'auto'),
    )
    .action(async (device: string, opts: CoredumpOptions, cmd: Command) => {
      const json = ctx.globals(cmd).json === true;
      await ctx.runOnHosts(cmd, (client, target) =>
        pullDump(
          ctx,
          client,
          target,
          json,
          { kind: 'coredump', request: { device, mode: opts.mode } },
          opts,
        ),
      );
    });
}

/** PullOptions: where a dump goes and how (the -o / --resume / --force flags). */
export interface PullOptions {
  output: string;
  resume?: boolean;
  force?: boolean;
}

/**
 * pullDump: save `source` to the -o file of one host (DIR/<host>/NAME with
 * fan-out): refuse to overwrite, draw the progress bar, keep FILE.part on
 * interruption, and say what was saved. Shared by coredump and health --dump.
 */
export async function pullDump(
  ctx: CommandContext,
  client: AuxctlClient,
  target: HostTarget,
  json: boolean,
  source: DumpSource,
  opts: PullOptions,
): Promise<HostOutput> {
  const file = dumpPathFor(opts.output, target.fanOut ? target.host : undefined);
  if (target.fanOut) await mkdir(dirname(file), { recursive: true });
  await refuseOverwrite(file, opts);
  const bar = progressEnabled(ctx.io, json, target.fanOut) ? await progressBar(ctx.io) : undefined;
  const signal = ctx.io.signal;
  // The library reports every frame here; throwing ends the call and
  // keeps FILE.part and its sidecar for --resume.
  const onProgress = (p: DumpProgress): void => {
    if (signal?.aborted) throw new Error('interrupted');
    bar?.onProgress(p);
  };
  try {
    const r = await client
      .downloadDump(source, { file, resume: opts.resume === true, onProgress })
      .catch((e: unknown) => {
        if (!signal?.aborted) throw e;
        throw new CliError(
          ExitCode.REMOTE,
          'INTERRUPTED',
          `interrupted; the bytes so far are in ${dumpPartPaths(file).part}, run again with --resume to finish`,
          e,
        );
      });
    const h = r.header;
    return {
      json: {
        file: r.file,
        sha256: r.sha256,
        resumedFrom: r.resumedFrom,
        header: DumpHeader.toJSON(h),
      },
      text:
        `saved ${r.file}: ${h.size} bytes from ${h.device} (fw ${h.fwVersion}), dump ${h.dumpId}\n` +
        `sha256 ${r.sha256}${r.resumedFrom > 0 ? ` (resumed at byte ${r.resumedFrom})` : ''}\n`,
    };
  } finally {
    bar?.stop();
  }
}
