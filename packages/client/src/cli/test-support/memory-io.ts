/**
 * MemoryIo: a CliIo that collects output in strings, for running main()
 * in-process in tests. Never used outside tests.
 */
import type { CliIo } from '../cli-io.js';

/** MemoryIo: the io and what was written to it. */
export interface MemoryIo extends CliIo {
  out: string;
  err: string;
}

/** memoryIo: a non-terminal io with `env` (empty by default). */
export function memoryIo(env: Record<string, string> = {}, signal?: AbortSignal): MemoryIo {
  const io: MemoryIo = {
    out: '',
    err: '',
    stdout: (s) => {
      io.out += s;
    },
    stderr: (s) => {
      io.err += s;
    },
    env,
    isTTY: false,
    ...(signal && { signal }),
  };
  return io;
}
