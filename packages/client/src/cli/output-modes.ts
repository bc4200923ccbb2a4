/**
 * Output modes of the commands that print firmware bytes (obj, cap, reg),
 * as mlx5ctl has them: a decoded table (default), `--hex` (the bytes as
 * 16-per-line hex, mlx5ctl's dump format), and `--raw FILE` (the bytes
 * exactly as firmware returned them, for external decoders such as
 * parseadb). `--json` carries the
 * decoded fields and, with --hex, the hex.
 *
 * Owns: the option definitions and rendering. Never: which bytes (the
 * command's).
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { CliError, ExitCode } from './exit-codes.js';
import type { HostOutput } from './host-runner.js';
import { type FieldValue, fieldsJson, fieldsText } from './layout-fields.js';

/** OutputOptions: what the options parse into. */
export interface OutputOptions {
  hex?: boolean;
  raw?: string;
}

/** addOutputOptions: --hex and --raw FILE on `cmd`. */
export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('--hex', 'print the bytes as hex (16 per line) instead of decoding them')
    .option('--raw <file>', 'write the bytes exactly as firmware returned them to FILE');
}

/** hexLines: `bytes` as lines of 16 space-separated hex pairs. */
export function hexLines(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    out.push([...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return out;
}

/** BytesOutput: what a command shows. */
export interface BytesOutput {
  readonly head: string;
  /** The bytes --hex and --raw show. */
  readonly bytes: Buffer;
  /** The decoded rows; undefined when the command has no layout for these bytes. */
  readonly rows: ReadonlyArray<[string, FieldValue]> | undefined;
  /** Extra JSON members (device, ids). */
  readonly json: Record<string, unknown>;
}

/** renderBytes: the command's result in the chosen mode; --raw writes the file first. */
export async function renderBytes(o: BytesOutput, opts: OutputOptions): Promise<HostOutput> {
  if (opts.raw !== undefined) {
    try {
      await writeFile(opts.raw, o.bytes);
    } catch (err) {
      throw new CliError(
        ExitCode.USAGE,
        'RAW_FILE',
        `cannot write ${opts.raw}: ${(err as Error).message}`,
      );
    }
    return {
      json: { ...o.json, raw: opts.raw, bytes: o.bytes.length },
      text: `${o.head}\nwrote ${o.bytes.length} bytes to ${opts.raw}\n`,
    };
  }
  if (opts.hex || o.rows === undefined) {
    const lines = hexLines(o.bytes);
    const note = opts.hex ? [] : ['(no decoder for these bytes; hex)'];
    return {
      json: { ...o.json, hex: o.bytes.toString('hex') },
      text: `${[o.head, ...note, ...lines].join('\n')}\n`,
    };
  }
  return {
    json: { ...o.json, fields: fieldsJson(o.rows) },
    text: `${[o.head, ...fieldsText(o.rows)].join('\n')}\n`,
  };
}
