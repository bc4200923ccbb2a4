/**
 * `auxctl obj DEV TYPE [--id N]`: query one firmware object (QUERY_CQ,
 * QUERY_QP, ... see obj-types.ts) through Exec at DEBUG_READ_ONLY and
 * print its query_*_out decoded (default), as hex (`--hex`), or write the
 * outbox bytes to a file (`--raw FILE`) — mlx5ctl's `obj`, remotely. The
 * remote context is a tools context, so kernel objects can be dumped. A
 * firmware status other than OK is a REMOTE failure naming the status.
 */
import type { Command } from 'commander';
import { parseUintText } from './cli-args.js';
import type { CommandContext } from './command-context.js';
import { usageError } from './exit-codes.js';
import { execChecked } from './fw-exec.js';
import { layoutFields } from './layout-fields.js';
import { OBJ_TYPES, objInbox, objType } from './obj-types.js';
import { addOutputOptions, type OutputOptions, renderBytes } from './output-modes.js';

interface ObjOptions extends OutputOptions {
  id?: number;
}

/** registerObj: add `obj` to `program`. */
export function registerObj(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('obj')
    .description('query a firmware object (QUERY_<TYPE>) and decode it')
    .argument('<device>', 'device (PCI address)')
    .argument('<type>', `object: ${OBJ_TYPES.map((o) => o.name).join(', ')}`)
    .option('--id <n>', 'the object: cqn, qpn, mkey index, vport number, ...', parseUintText);
  addOutputOptions(cmd).action(
    async (device: string, typeName: string, opts: ObjOptions, c: Command) => {
      const type = objType(typeName);
      if (type.idField && type.idName && !type.vport && opts.id === undefined) {
        throw usageError(`obj ${type.name} needs --id <${type.idName}>`);
      }
      await ctx.runOnHosts(c, async (client) => {
        const outbox = await execChecked(client, device, {
          scope: 'DEBUG_READ_ONLY',
          inbox: objInbox(type, opts.id),
          outLen: type.out.bytes,
          what: `QUERY_${type.name.toUpperCase()}${opts.id === undefined ? '' : ` ${opts.id}`}`,
          hint: 'check the type and --id',
        });
        const id = opts.id === undefined ? '' : ` ${type.idName} ${opts.id}`;
        return renderBytes(
          {
            head: `device ${device} ${type.name}${id} (${type.out.name})`,
            bytes: outbox,
            rows: layoutFields(type.out, outbox),
            json: { device, type: type.name, ...(opts.id !== undefined && { id: opts.id }) },
          },
          opts,
        );
      });
    },
  );
}
