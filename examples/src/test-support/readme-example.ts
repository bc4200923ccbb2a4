/**
 * readmeExample: an example file and the package README that shows it, cut
 * into the parts the README must carry verbatim: every import of a package
 * (not the example's own helpers, imported by relative path) and the code
 * from the `EmbedReport` doc comment to the end of `runEmbedExample`.
 * Never used outside tests.
 */
import { readFileSync } from 'node:fs';

/** ReadmeExample: what a README test compares. */
export interface ReadmeExample {
  readonly readme: string;
  readonly imports: string[];
  readonly body: string;
}

/** readmeExample: `file` (in examples/src) and packages/`pkg`/README.md. */
export function readmeExample(pkg: string, file: string): ReadmeExample {
  const readme = readFileSync(
    new URL(`../../../packages/${pkg}/README.md`, import.meta.url),
    'utf8',
  );
  const source = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  const imports = (source.match(/^import [\s\S]*?;$/gm) ?? []).filter(
    (i) => !i.includes(" from './"),
  );
  const start = source.indexOf('/** EmbedReport');
  const fn = source.indexOf('export async function runEmbedExample');
  if (imports.length === 0 || start < 0 || fn < start) throw new Error(`${file} is not an example`);
  return { readme, imports, body: source.slice(start, source.indexOf('\n}\n', fn) + 2) };
}
