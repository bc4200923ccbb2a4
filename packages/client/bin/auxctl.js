#!/usr/bin/env node
// The installed `auxctl` command. It exists before the build (npm links bins
// at install time), so it loads the built CLI and says what to do when that
// is missing. It loads the bundle (dist/bundle, made by the build from
// dist/cli): one entry module and the chunks each command imports, instead
// of a hundred and more modules to resolve and read at every start.
import { access } from 'node:fs/promises';

const entry = new URL('../dist/bundle/auxctl.js', import.meta.url);
try {
  await access(entry);
} catch {
  process.stderr.write('auxctl is not built yet: run `npm start` or `npm run build` first\n');
  process.exit(1);
}
await import(entry.href);
