/**
 * Generated-code staleness: decides, from facts gathered by the caller,
 * whether the committed TypeScript under src/gen still matches what
 * `buf generate` writes, and what to say about it.
 *
 * In CI a difference fails the build, because a commit whose .proto files
 * and generated code disagree would ship code nobody reviewed; on a
 * developer's machine it is only a warning, since regenerating is the normal
 * step before committing.
 *
 * Owns: the verdict and its message. Never: runs git, reads the environment
 * or touches files (check-generated.mjs gathers the facts).
 */

/** REGENERATE_COMMAND: what fixes a stale tree (then commit the result). */
export const REGENERATE_COMMAND = 'npm run generate -w @auxctl/proto';

/** isCi: true when the CI variable is set to anything but '', '0' or 'false'. */
export function isCi(env) {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

const STATUS_WORDS = new Map([
  ['M', 'modified'],
  ['A', 'added'],
  ['D', 'deleted'],
  ['R', 'renamed'],
  ['C', 'copied'],
  ['T', 'type changed'],
  ['U', 'unmerged'],
  ['?', 'untracked'],
]);

/**
 * parsePorcelainZ: the entries of `git status --porcelain -z`, as
 * `{ path, change }`. Renames and copies name the new path (the original
 * path that follows them is consumed, not reported).
 */
export function parsePorcelainZ(text) {
  const fields = text.split('\0');
  const entries = [];
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (field.length < 4) continue;
    const xy = field.slice(0, 2);
    const path = field.slice(3);
    const code = xy.trim()[0] ?? '?';
    entries.push({ path, change: STATUS_WORDS.get(code) ?? 'changed' });
    if (xy.includes('R') || xy.includes('C')) i++;
  }
  return entries;
}

/**
 * decideStaleness: the verdict for one run.
 * - `skip`: not a git checkout (e.g. an unpacked tarball): nothing to compare;
 * - `clean`: the generated tree matches the commit;
 * - `warn`: it differs, outside CI;
 * - `fail`: it differs in CI, or git could not tell in CI.
 * `facts`: `{ ci, gitCheckout, porcelain?, gitError?, genDir }`, where
 * `porcelain` is the `-z` output of git status limited to `genDir`.
 */
export function decideStaleness(facts) {
  const { ci, gitCheckout, porcelain, gitError, genDir } = facts;
  if (!gitCheckout) {
    return {
      verdict: 'skip',
      files: [],
      message: 'not a git checkout; generated-code check skipped',
    };
  }
  if (gitError !== undefined) {
    const message = `could not compare ${genDir} with the commit: ${gitError}`;
    return { verdict: ci ? 'fail' : 'warn', files: [], message };
  }
  const files = parsePorcelainZ(porcelain ?? '');
  if (files.length === 0) return { verdict: 'clean', files, message: '' };
  const list = files.map((f) => `  ${f.path} (${f.change})`).join('\n');
  const message =
    `generated code in ${genDir} differs from the commit:\n${list}\n` +
    `Run \`${REGENERATE_COMMAND}\` and commit ${genDir}.`;
  return { verdict: ci ? 'fail' : 'warn', files, message };
}
