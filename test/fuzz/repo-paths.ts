// Where things are, whether this code runs from test/fuzz (jest, ts) or from dist/test/fuzz (npm run fuzz).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file with a package.json and a libs/ folder. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'libs'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The built all-in-one controller. */
export function controllerMain(): string {
  return join(repoRoot(), 'dist', 'apps', 'controller', 'src', 'main.js');
}

/** The built fuzzer's entry point (what `npm run fuzz` runs). */
export function fuzzMain(): string {
  return join(repoRoot(), 'dist', 'test', 'fuzz', 'fuzz-main.js');
}

/** libs/xmpp's own stanza fixtures (xmpp-dialect.md §1–§6). */
export function xmppFixturesDir(): string {
  return join(repoRoot(), 'libs', 'xmpp', 'test', 'fixtures');
}
