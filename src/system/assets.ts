import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The assets/ folder beside the package (works from src/ under tests and from dist/ when bundled). */
export function assetsDir(from = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'assets')) && existsSync(join(dir, 'package.json'))) return join(dir, 'assets');
    dir = dirname(dir);
  }
  throw new Error('The assets folder is missing beside the wizard; reinstall it.');
}

/** Loads templates by name (e.g. "rocketchat/compose.wizard.yml") once each. */
export function templateLoader(dir = assetsDir()): (name: string) => string {
  const cache = new Map<string, string>();
  return (name) => {
    let t = cache.get(name);
    if (t === undefined) {
      t = readFileSync(join(dir, name), 'utf8');
      cache.set(name, t);
    }
    return t;
  };
}
