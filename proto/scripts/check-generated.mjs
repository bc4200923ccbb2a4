#!/usr/bin/env node
/**
 * check-generated: run by `build` after `generate`. Asks git whether the
 * regenerated src/gen differs from the commit and acts on the verdict of
 * generated-staleness.mjs: exit 1 in CI when it does, a warning elsewhere.
 *
 * Owns: gathering the facts (environment, git) and the exit code. Never:
 * changes the tree.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideStaleness, isCi } from './generated-staleness.mjs';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function git(args) {
  const r = spawnSync('git', args, { cwd: pkgDir, encoding: 'utf8' });
  if (r.error) return { ok: false, out: '', err: r.error.message };
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.trim() };
}

const inside = git(['rev-parse', '--is-inside-work-tree']);
const gitCheckout = inside.ok && inside.out.trim() === 'true';
let porcelain;
let gitError;
let genDir = 'proto/src/gen';
if (gitCheckout) {
  const prefix = git(['rev-parse', '--show-prefix']);
  if (prefix.ok) genDir = `${prefix.out.trim()}src/gen`;
  const status = git(['status', '--porcelain', '-z', '--untracked-files=all', '--', 'src/gen']);
  if (status.ok) porcelain = status.out;
  else gitError = status.err || 'git status failed';
}

const decision = decideStaleness({
  ci: isCi(process.env),
  gitCheckout,
  porcelain,
  gitError,
  genDir,
});
if (decision.verdict === 'fail') {
  process.stderr.write(`check-generated: error: ${decision.message}\n`);
  process.exit(1);
}
if (decision.verdict === 'warn') {
  process.stderr.write(`check-generated: warning: ${decision.message}\n`);
}
