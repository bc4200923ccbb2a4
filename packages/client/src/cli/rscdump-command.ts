/**
 * `auxctl rscdump DEV [--segment NAME | --type N] [-o FILE] [--resume]`:
 * pull a resource dump (the menu unless a segment is named) through the
 * library's downloadDump, SHA-256 verified. With -o the dump is saved like
 * a coredump (FILE.part until verified; `--resume` continues it). Without
 * -o it goes to a private temporary file that is removed afterwards, and
 * a summary is printed: the menu's segments (name, type, index names), or
 * for a resource segment the count of segments by type, with size and
 * SHA-256. It must never leave the temporary file behind.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DumpHeader } from '@auxctl/proto/ctl';
import { type Command, InvalidArgumentError } from 'commander';
import type { DumpSource } from '../dump-download.js';
import { parseUintText } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { usageError } from './exit-codes.js';
import { reportError, requireOneHost } from './host-runner.js';
import { hex16 } from './prm-text.js';
import { parseMenu, splitSegments } from './resource-dump-menu.js';
import { formatTable } from './text-table.js';

interface RscdumpOptions {
  segment?: string;
  type?: number;
  output?: string;
  resume?: boolean;
}

/** parseSegmentType: a segment type, decimal or 0x hex, 0..0xffff. */
export function parseSegmentType(text: string): number {
  const n = parseUintText(text);
  if (Number.isInteger(n) && n >= 0 && n <= 0xffff) return n;
  throw new InvalidArgumentError('expected a segment type 0..0xffff (e.g. 0x1000)');
}

/** rscdumpSource: the DumpSource the flags ask for (the menu when none names a segment). */
export function rscdumpSource(device: string, opts: RscdumpOptions): DumpSource {
  if (opts.segment !== undefined && opts.type !== undefined) {
    throw usageError('give --segment or --type, not both');
  }
  const segment =
    opts.segment !== undefined
      ? { $case: 'segmentName' as const, segmentName: opts.segment }
      : opts.type !== undefined
        ? { $case: 'segmentType' as const, segmentType: opts.type }
        : undefined;
  return { kind: 'resourceDump', request: { device, ...(segment && { segment }) } };
}

/** MENU_LEGEND: what the menu table's columns mean (printed under it). */
export const MENU_LEGEND = `
SEGMENT  the segment's name: dump it with --segment NAME
TYPE     its segment type: dump it with --type TYPE
INDEX1   what the first index selects in that segment (e.g. a QPN), '-' when it takes none
INDEX2   what the second index selects, '-' when it takes none
`;

/** SEGMENTS_LEGEND: what the segment-count table's columns mean (printed under it). */
export const SEGMENTS_LEGEND = `
TYPE      segment type of the records in the dump (the menu names each type)
SEGMENTS  how many segments of that type the dump holds
`;

/** summarize: what a person and --json see of a dump held in memory. */
export function summarize(dump: Buffer, menu: boolean) {
  if (menu) {
    const entries = parseMenu(dump);
    const rows = entries.map((e) => [
      e.segmentName,
      hex16(e.segmentType),
      e.index1Name || '-',
      e.index2Name || '-',
    ]);
    return {
      json: { menu: entries },
      text: `${formatTable(['SEGMENT', 'TYPE', 'INDEX1', 'INDEX2'], rows)}${MENU_LEGEND}`,
    };
  }
  const byType = new Map<number, number>();
  for (const s of splitSegments(dump)) byType.set(s.type, (byType.get(s.type) ?? 0) + 1);
  const rows = [...byType].map(([t, n]) => [hex16(t), String(n)]);
  return {
    json: { segments: Object.fromEntries([...byType].map(([t, n]) => [hex16(t), n])) },
    text: `${formatTable(['TYPE', 'SEGMENTS'], rows)}${SEGMENTS_LEGEND}`,
  };
}

/** registerRscdump: add `rscdump` to `program`. */
export function registerRscdump(program: Command, ctx: CommandContext): void {
  program
    .command('rscdump')
    .description('resource dump: the menu of segments, or one segment (SHA-256 verified)')
    .argument('<device>', 'device (PCI address)')
    .option('--segment <name>', "segment by the menu's name, e.g. FULL_QPC")
    .option('--type <n>', 'segment by type, e.g. 0x1000', parseSegmentType)
    .option('-o, --output <file>', 'save the dump here instead of printing a summary')
    .option('--resume', 'continue FILE.part from an earlier, interrupted pull (with -o)')
    .action(async (device: string, opts: RscdumpOptions, cmd: Command) => {
      let source: DumpSource;
      try {
        source = rscdumpSource(device, opts);
        if (opts.resume && opts.output === undefined) throw usageError('--resume needs -o FILE');
        requireOneHost(ctx.globals(cmd), 'rscdump');
      } catch (e) {
        ctx.setExit(reportError(ctx.io, e, ctx.globals(cmd).json === true, cmd));
        return;
      }
      const menu = opts.segment === undefined && opts.type === undefined;
      await ctx.runOnHosts(cmd, async (client) => {
        if (opts.output !== undefined) {
          const r = await client.downloadDump(source, {
            file: opts.output,
            resume: opts.resume === true,
          });
          return {
            json: { file: r.file, sha256: r.sha256, header: DumpHeader.toJSON(r.header) },
            text: `saved ${r.file}: ${r.header.size} bytes, dump ${r.header.dumpId}\nsha256 ${r.sha256}\n`,
          };
        }
        const dir = await mkdtemp(join(tmpdir(), 'auxctl-rscdump-'));
        try {
          const r = await client.downloadDump(source, { file: join(dir, 'dump.bin') });
          const s = summarize(await readFile(r.file), menu);
          const head = `device ${device} resource dump ${r.header.dumpId}: ${r.header.size} bytes, sha256 ${r.sha256}`;
          return {
            json: { size: r.header.size, sha256: r.sha256, dumpId: r.header.dumpId, ...s.json },
            text: `${head}\n${s.text}`,
          };
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
}
