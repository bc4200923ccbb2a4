/**
 * StateFiles: the file operations of the state directory.
 *
 * Owns atomic writes (temp file in the same directory, fsync, rename, fsync
 * of the directory), reads that tell "absent" from "unreadable", permission
 * tightening, and the translation of fs errors into AuxErrors that say what
 * to do. It must never leave a temp file behind on failure and never loosen
 * a file's mode.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Logger } from '@auxctl/core';
import { AuxError, type ErrnoName } from '@auxctl/prm';

/** fsAuxError: an fs failure on `path` as an AuxError with an errno name and a remedy. */
export function fsAuxError(e: unknown, path: string, doing: string, remedy: string): AuxError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const map: Record<string, ErrnoName> = {
    EACCES: 'EPERM',
    EPERM: 'EPERM',
    EROFS: 'EPERM',
    ENOENT: 'ENOENT',
    ENOTDIR: 'EINVAL',
    EISDIR: 'EINVAL',
    EEXIST: 'EEXIST',
    ENOSPC: 'ENOSPC',
  };
  const errno: ErrnoName = (code !== undefined ? map[code] : undefined) ?? 'EIO';
  return new AuxError(
    errno,
    `cannot ${doing} ${path} (${code ?? 'error'}); ${remedy}`,
    { path },
    {
      cause: e,
    },
  );
}

/**
 * ensurePrivateDir: create `dir` (and parents) with mode 0700, or check an
 * existing one: it must be a directory owned by this user; group/other
 * permission bits are removed (with a warning).
 */
export async function ensurePrivateDir(dir: string, log: Logger): Promise<void> {
  const remedy = 'choose a state directory this user can create and own (--state-dir)';
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    // EEXIST: something that is not a directory is there; stat below says what.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw fsAuxError(e, dir, 'create state directory', remedy);
    }
  }
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(dir);
  } catch (e) {
    throw fsAuxError(e, dir, 'inspect state directory', remedy);
  }
  if (!st.isDirectory()) {
    throw new AuxError('EINVAL', `state directory ${dir} exists and is not a directory; ${remedy}`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new AuxError(
      'EPERM',
      `state directory ${dir} belongs to uid ${st.uid}, not ${uid}; keys must be private to the user running auxctld: ${remedy}`,
    );
  }
  if ((st.mode & 0o077) !== 0) {
    log.warn(
      { dir, mode: (st.mode & 0o777).toString(8) },
      'state directory was group/other accessible; set to 0700',
    );
    await tighten(dir, 0o700);
  }
}

/** readIfPresent: the file's bytes, or undefined when it does not exist. Other failures throw. */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fsAuxError(
      e,
      path,
      'read',
      'make the state directory readable by the user running auxctld',
    );
  }
}

/** ensureMode: remove permission bits of `path` beyond `mode` (keys stay 0600), with a warning. */
export async function ensureMode(path: string, mode: number, log: Logger): Promise<void> {
  const st = await stat(path).catch(() => undefined);
  if (st !== undefined && (st.mode & 0o777 & ~mode) !== 0) {
    log.warn(
      { path, mode: (st.mode & 0o777).toString(8) },
      `key file too open; set to ${mode.toString(8)}`,
    );
    await tighten(path, mode);
  }
}

async function tighten(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch (e) {
    throw fsAuxError(e, path, 'restrict permissions of', 'fix ownership of the state directory');
  }
}

/**
 * writeAtomic: replace `path` with `data` so that a reader sees the old file
 * or the new one, never a torn one: a temp file created exclusively with
 * `mode`, written, fsynced and renamed over `path`; the directory is fsynced
 * so the rename survives a crash. On failure the temp file is removed.
 */
export async function writeAtomic(
  path: string,
  data: string | Buffer,
  mode: number,
): Promise<void> {
  const tmp = `${dirname(path)}/.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fh = await open(tmp, 'wx', mode);
    try {
      // The umask may have narrowed `mode`; never widened, but make it exact.
      await fh.chmod(mode);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw fsAuxError(e, path, 'write', 'check free space and permissions of the state directory');
  }
  await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  // Best effort: some filesystems refuse fsync on a directory handle.
  const fh = await open(dir, 'r').catch(() => undefined);
  if (fh === undefined) return;
  try {
    await fh.sync();
  } catch {
    // nothing more can be done; the data itself is synced.
  } finally {
    await fh.close();
  }
}
