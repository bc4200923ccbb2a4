/**
 * runAsScript: lets an example run as a program (`node examples/dist/X.js`)
 * as well as be imported by its test: when the module at `moduleUrl` is the
 * process's entry point, run `example` and print its report as JSON (bigints
 * as strings), or print the error and set a failing exit code.
 *
 * Owns: nothing. Never: runs anything when the module is merely imported.
 */
import { pathToFileURL } from 'node:url';

/** runAsScript: see the module header. */
export function runAsScript(moduleUrl: string, example: () => Promise<unknown>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  example().then(
    (r) =>
      process.stdout.write(
        `${JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
