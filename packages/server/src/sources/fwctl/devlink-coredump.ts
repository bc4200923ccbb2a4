/**
 * devlinkCoredump: the coredump of a Linux PCI function, as the host's
 * devlink health `fw_fatal` reporter keeps it (mlx5's crdump: a raw dword
 * image of the device's CR-space), read with iproute2's `devlink -j`.
 *
 * mainline fwctl cannot take a coredump (CORE_DUMP needs a DMA buffer an
 * fwctl file cannot register), so this is the path a fwctl device's
 * Coredump takes. `devlink -j health dump show pci/BDF reporter fw_fatal`
 * prints the dump's bytes as JSON numbers under `crdump_data` (an array of
 * chunks, each an array of bytes); they are joined in order.
 *
 * Owns: running devlink (bounded output, cancellable) and reading its
 * answer. Never: a shell, or a path built from unchecked input (the PCI
 * address is checked before it is passed as one argument).
 */
import { execFile } from 'node:child_process';
import { AuxError } from '@auxctl/prm';
import type { HostCoredump } from '../device-source.js';

/** DevlinkOptions: which devlink and how much it may print. */
export interface DevlinkOptions {
  /** The devlink executable (default `devlink`, found on PATH). */
  readonly path?: string;
  /** Largest dump read, bytes (default 64 MiB). */
  readonly maxDumpBytes?: number;
}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** devlinkCoredump: the HostCoredump of PCI function `pci` through devlink. */
export function devlinkCoredump(pci: string, opts: DevlinkOptions = {}): HostCoredump {
  const path = opts.path ?? 'devlink';
  const maxDump = opts.maxDumpBytes ?? 64 * 1024 * 1024;
  return {
    take: async (signal) => {
      if (!PCI_ADDRESS.test(pci)) {
        throw new AuxError('EINVAL', `${JSON.stringify(pci)} is not a PCI address for devlink`);
      }
      const args = ['-j', 'health', 'dump', 'show', `pci/${pci}`, 'reporter', 'fw_fatal'];
      // A byte prints as at most 4 characters ("255,"), plus brackets per chunk.
      const json = await run(path, args, maxDump * 5 + 65536, signal);
      return parseCrdump(json, maxDump);
    },
  };
}

function run(
  path: string,
  args: string[],
  maxBuffer: number,
  signal: AbortSignal,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, args, { maxBuffer, signal, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) {
        resolve(stdout);
        return;
      }
      const e = err as NodeJS.ErrnoException & { code?: unknown };
      if (e.code === 'ENOENT') {
        reject(
          new AuxError(
            'ENOPKG',
            `coredumps of Linux fwctl devices come from devlink health, and ${path} is not installed; install iproute2`,
          ),
        );
      } else if (e.name === 'AbortError') {
        reject(new AuxError('ECANCELED', 'the coredump was cancelled'));
      } else if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
        reject(new AuxError('EMSGSIZE', 'the devlink dump is larger than this server reads'));
      } else {
        const why = String(stderr || e.message)
          .trim()
          .slice(0, 200);
        reject(new AuxError('EIO', `devlink health dump show failed: ${why}`));
      }
    });
  });
}

/**
 * parseCrdump: the bytes under `crdump_data` in devlink's JSON (chunks of
 * byte arrays, or one byte array); EIO when there are none or a value is
 * not a byte, EMSGSIZE past `maxBytes`.
 */
export function parseCrdump(json: string, maxBytes: number): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    throw new AuxError('EIO', 'devlink printed something that is not JSON');
  }
  const data = findKey(doc, 'crdump_data', 0);
  if (!Array.isArray(data)) {
    throw new AuxError(
      'EIO',
      'devlink health dump has no crdump_data; is the reporter fw_fatal of mlx5?',
    );
  }
  const chunks = data.every((c) => Array.isArray(c)) ? (data as unknown[][]) : [data];
  const total = chunks.reduce((n, c) => n + c.length, 0);
  if (total > maxBytes) {
    throw new AuxError('EMSGSIZE', `the devlink dump is ${total} bytes, more than ${maxBytes}`);
  }
  const out = Buffer.alloc(total);
  let at = 0;
  for (const chunk of chunks) {
    for (const v of chunk) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new AuxError('EIO', `crdump_data holds ${JSON.stringify(v)}, not a byte`);
      }
      out[at++] = v;
    }
  }
  return out;
}

function findKey(v: unknown, key: string, depth: number): unknown {
  if (depth > 8 || typeof v !== 'object' || v === null) return undefined;
  if (!Array.isArray(v) && key in v) return (v as Record<string, unknown>)[key];
  for (const child of Object.values(v)) {
    if (typeof child !== 'object' || child === null || Array.isArray(child)) continue;
    const hit = findKey(child, key, depth + 1);
    if (hit !== undefined) return hit;
  }
  return undefined;
}
