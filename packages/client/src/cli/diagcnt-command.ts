/**
 * `auxctl diagcnt DEV`: the diagnostic counters a device offers and its
 * sampler's limits (debug capability, CONFIGURATION scope), and the
 * sampler itself, as mlx5ctl's diagcnt drives it:
 * - `--set IDS|all [--mode on_demand|single|repetitive] [--log-samples N]
 *   [--log-period N] [--clear]` enables sampling (SET_DIAGNOSTIC_PARAMS, a
 *   debug write: DEBUG_WRITE scope, which taints the device);
 * - `--query [--index I] [--samples N]` reads samples back
 *   (QUERY_DIAGNOSTIC_PARAMS, then QUERY_DIAGNOSTIC_COUNTERS in as many
 *   commands as the 256 KiB outbox bound needs; DEBUG_READ_ONLY);
 * - `--disable` switches sampling off (DEBUG_WRITE).
 * Firmware refusals (unknown counter, sampler off, range outside the
 * buffer) are REMOTE errors that name the status and what to do.
 */
import { type Command, Option } from 'commander';
import type { AuxctlClient } from '../auxctl-client.js';
import { queryCapability } from './cap-query.js';
import { MAX_CMD_BYTES, parseCounterIds, parseDiagMode, parseIntInRange } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import {
  type DiagCounter,
  type DiagLimits,
  type DiagMode,
  type DiagSample,
  decodeDiagCounters,
  decodeDiagLimits,
  decodeDiagParams,
  decodeDiagSamples,
  diagCounterCount,
  diagParamsOutLen,
  diagSamplesOutLen,
  disableDiagInbox,
  MAX_DIAG_COUNTERS,
  queryDiagCountersInbox,
  queryDiagParamsInbox,
  setDiagParamsInbox,
} from './diag-counter-fields.js';
import { CliError, ExitCode } from './exit-codes.js';
import { execChecked } from './fw-exec.js';
import { CAP_TYPES } from './hca-cap-fields.js';
import { hex16 } from './prm-text.js';
import { formatTable } from './text-table.js';

const HINT = 'the device may lack the debug capability';
/** Sample entries one QUERY_DIAGNOSTIC_COUNTERS may answer within the outbox bound. */
const ENTRIES_PER_QUERY = Math.floor((MAX_CMD_BYTES - diagSamplesOutLen(0)) / 16);

interface DiagcntOptions {
  set?: number[] | 'all';
  mode: DiagMode;
  logSamples?: number;
  logPeriod?: number;
  clear?: boolean;
  query?: boolean;
  index: number;
  samples?: number;
  disable?: boolean;
}

interface Offered {
  readonly counters: DiagCounter[];
  readonly limits: DiagLimits;
}

async function offered(client: AuxctlClient, device: string): Promise<Offered> {
  const count = diagCounterCount(
    await queryCapability(client, device, CAP_TYPES.get('general') ?? 0, 'cur', HINT),
  );
  const debug = await queryCapability(client, device, CAP_TYPES.get('debug') ?? 0xd, 'cur', HINT);
  return {
    counters: count === 0 ? [] : decodeDiagCounters(debug, count),
    limits: decodeDiagLimits(debug),
  };
}

async function list(client: AuxctlClient, device: string) {
  const { counters, limits } = await offered(client, device);
  const lines = counters.map((c) => `${hex16(c.counterId)}${c.sync ? '  sync' : ''}`);
  const head =
    `device ${device}: ${counters.length} diagnostic counters; ` +
    `up to 2^${limits.logMaxSamples} samples, period >= 2^${limits.logMinSamplePeriod} clocks`;
  return {
    json: { device, counters, limits },
    text: `${head}\n${lines.map((l) => `${l}\n`).join('')}`,
  };
}

async function enable(client: AuxctlClient, device: string, o: DiagcntOptions) {
  const { counters, limits } = await offered(client, device);
  const counterIds = o.set === 'all' ? counters.map((c) => c.counterId) : (o.set ?? []);
  if (counterIds.length === 0) {
    throw new CliError(
      ExitCode.REMOTE,
      'NO_COUNTERS',
      `device ${device} offers no diagnostic counters`,
    );
  }
  const setup = {
    counterIds,
    mode: o.mode,
    logNumOfSamples: o.logSamples ?? Math.min(4, limits.logMaxSamples),
    logSamplePeriod: o.logPeriod ?? limits.logMinSamplePeriod,
    clear: o.clear === true,
  };
  await execChecked(client, device, {
    scope: 'DEBUG_WRITE',
    inbox: setDiagParamsInbox(setup),
    outLen: diagParamsOutLen(0),
    what: 'SET_DIAGNOSTIC_PARAMS',
    hint: 'diagcnt DEV lists the counter ids and limits the device accepts',
  });
  const period =
    setup.mode === 'on_demand' ? 'a sample per query' : `every 2^${setup.logSamplePeriod} clocks`;
  return {
    json: { device, enabled: true, ...setup },
    text:
      `device ${device}: sampling ${counterIds.length} counters (${setup.mode}, ` +
      `${2 ** setup.logNumOfSamples} samples, ${period}); debug write: the device is tainted\n`,
  };
}

async function query(client: AuxctlClient, device: string, o: DiagcntOptions) {
  const params = decodeDiagParams(
    await execChecked(client, device, {
      scope: 'DEBUG_READ_ONLY',
      inbox: queryDiagParamsInbox(),
      outLen: diagParamsOutLen(MAX_DIAG_COUNTERS),
      what: 'QUERY_DIAGNOSTIC_PARAMS',
      hint: HINT,
    }),
  );
  if (!params.enabled || params.counterIds.length === 0) {
    throw new CliError(
      ExitCode.REMOTE,
      'DIAG_OFF',
      `sampling is off on ${device}; start it with: auxctl diagcnt ${device} --set IDS`,
    );
  }
  const capacity = 2 ** params.logNumOfSamples;
  const want = o.samples ?? capacity - o.index;
  if (want < 1) {
    throw new CliError(
      ExitCode.USAGE,
      'BAD_INDEX',
      `--index ${o.index} is past the ${capacity}-sample buffer (index 0..${capacity - 1})`,
    );
  }
  const perQuery = Math.max(1, Math.floor(ENTRIES_PER_QUERY / params.counterIds.length));
  const samples: DiagSample[] = [];
  for (let at = o.index; at < o.index + want; at += perQuery) {
    const n = Math.min(perQuery, o.index + want - at);
    const outbox = await execChecked(client, device, {
      scope: 'DEBUG_READ_ONLY',
      inbox: queryDiagCountersInbox(n, at),
      outLen: diagSamplesOutLen(n * params.counterIds.length),
      what: `QUERY_DIAGNOSTIC_COUNTERS (samples ${at}..${at + n - 1})`,
      hint: `the buffer holds ${capacity} samples (index 0..${capacity - 1}); check --index and --samples`,
    });
    samples.push(...decodeDiagSamples(outbox));
  }
  const rows = samples.map((s) => [
    String(s.sampleId),
    hex16(s.counterId),
    String(s.timeStamp),
    s.value,
  ]);
  return {
    json: { device, params, samples },
    text:
      `device ${device}: ${samples.length} values (${params.mode}, buffer of ${capacity})\n` +
      formatTable(['SAMPLE', 'COUNTER', 'TIMESTAMP', 'VALUE'], rows),
  };
}

async function disable(client: AuxctlClient, device: string) {
  await execChecked(client, device, {
    scope: 'DEBUG_WRITE',
    inbox: disableDiagInbox(),
    outLen: diagParamsOutLen(0),
    what: 'SET_DIAGNOSTIC_PARAMS (disable)',
    hint: HINT,
  });
  return { json: { device, enabled: false }, text: `device ${device}: sampling off\n` };
}

/** registerDiagcnt: add `diagcnt` to `program`. */
export function registerDiagcnt(program: Command, ctx: CommandContext): void {
  program
    .command('diagcnt')
    .description(
      'diagnostic counters: list what the device offers, or --set / --query / --disable sampling',
    )
    .argument('<device>', 'device (PCI address)')
    .addOption(
      new Option('--set <ids>', 'enable sampling of these counter ids (0x401,0x402 or all); taints')
        .argParser(parseCounterIds)
        .conflicts(['query', 'disable']),
    )
    .addOption(
      new Option('--mode <mode>', 'with --set: on_demand, single or repetitive')
        .argParser(parseDiagMode)
        .default('on_demand'),
    )
    .option('--log-samples <n>', 'with --set: a buffer of 2^n samples (default 4)', (t) =>
      parseIntInRange(t, 0, 255),
    )
    .option(
      '--log-period <n>',
      'with --set: a sample every 2^n device clocks (default: the device minimum)',
      (t) => parseIntInRange(t, 0, 255),
    )
    .option('--clear', 'with --set: restart the counters from zero')
    .addOption(new Option('--query', 'read the samples back').conflicts(['disable']))
    .option(
      '--index <i>',
      'with --query: first sample (0 = oldest kept)',
      (t) => parseIntInRange(t, 0, 0xffff),
      0,
    )
    .option('--samples <n>', 'with --query: how many samples (default: to the buffer end)', (t) =>
      parseIntInRange(t, 1, 0xffff),
    )
    .option('--disable', 'switch sampling off (drops the samples); taints')
    .action(async (device: string, opts: DiagcntOptions, cmd: Command) => {
      await ctx.runOnHosts(cmd, (client) => {
        if (opts.set !== undefined) return enable(client, device, opts);
        if (opts.query) return query(client, device, opts);
        if (opts.disable) return disable(client, device);
        return list(client, device);
      });
    });
}
