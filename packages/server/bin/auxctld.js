#!/usr/bin/env node
// The installed `auxctld` command. It exists before the build (npm links bins
// at install time), so it loads the built daemon and says what to do when
// that is missing.
import { access } from 'node:fs/promises';

const entry = new URL('../dist/bin/auxctld.js', import.meta.url);
try {
  await access(entry);
} catch {
  process.stderr.write('auxctld is not built yet: run `npm start` or `npm run build` first\n');
  process.exit(1);
}
await import(entry.href);
