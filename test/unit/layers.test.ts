/**
 * The layers the README's "How it is built" section draws, checked on the source itself, so they hold even if
 * biome.json's import rules (the same rules, seen in the editor) change:
 *   src/ui     -> never src/system, node:fs, node:child_process (screens do no I/O)
 *   src/core   -> never src/system, src/engine, src/commands, src/ui, node:fs, node:child_process, execa
 *                 (pure logic, below everything), and no clock, timer or randomness (checked on its calls)
 *   src/engine -> never src/system, src/commands, src/ui, node:fs, node:child_process, execa (the task engine:
 *                 task trees, waits and polling, with the runner, files and clock handed down)
 *   anything   -> never src/commands, except src/cli.tsx, src/main.tsx and src/commands itself
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Layer = 'entry' | 'commands' | 'core' | 'engine' | 'system' | 'ui' | 'steps' | 'other';

/**
 * Imports that cross a forbidden line on purpose, each with its reason. None today: every crossing found when
 * the rules were written (none) was fixed instead. An entry here is also left out of biome.json's rule by an override saying why.
 */
const EXCEPTIONS: { from: string; to: string; why: string }[] = [];

function layerOf(path: string): Layer {
  if (path === 'src/cli.tsx' || path === 'src/main.tsx') return 'entry';
  for (const layer of ['commands', 'core', 'engine', 'system', 'ui'] as const) {
    if (path.startsWith(`src/${layer}/`)) return layer;
  }
  if (path.startsWith('steps/')) return 'steps';
  return 'other';
}

/** Every module a source names: static imports and re-exports, side-effect imports, import() and import types. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) found.push(match[1] as string);
  }
  return found;
}

const NO_IO = new Set([
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:child_process',
  'child_process',
  'execa',
]);

/** Why `from` (a repo-relative path) may not import `specifier`, or undefined when it may. */
function forbidden(from: string, specifier: string): string | undefined {
  const source = layerOf(from);
  if (NO_IO.has(specifier)) {
    if (source === 'ui' && specifier !== 'execa') return 'src/ui does no I/O';
    if (source === 'ui') return 'src/ui runs no commands';
    if (source === 'core' || source === 'engine')
      return `src/${source} does no I/O itself (the caller hands it in)`;
    return undefined;
  }
  if (!specifier.startsWith('.')) return undefined;
  const target = layerOf(
    relative(ROOT, resolve(ROOT, dirname(from), specifier))
      .split('\\')
      .join('/'),
  );
  if (target === 'commands' && source !== 'entry' && source !== 'commands') {
    return 'only src/cli.tsx and src/main.tsx import src/commands';
  }
  if (source === 'ui' && target === 'system') return 'src/ui does not import src/system';
  if (
    target === 'steps' &&
    source !== 'steps' &&
    source !== 'other' &&
    relative(ROOT, resolve(ROOT, dirname(from), specifier))
      .split('\\')
      .join('/') !== 'steps/index.js'
  ) {
    return 'src/ reaches the platforms and the proxy only through steps/index.ts (their contracts)';
  }
  if (
    source === 'core' &&
    (target === 'system' || target === 'engine' || target === 'ui' || target === 'commands')
  ) {
    return `src/core does not import src/${target}`;
  }
  if (source === 'engine' && (target === 'system' || target === 'ui')) {
    return `src/engine does not import src/${target}`;
  }
  return undefined;
}

/** The calls that read a clock, set a timer or draw randomness: none of them belongs in src/core. */
const IMPURE: { what: string; pattern: RegExp }[] = [
  { what: 'reads the clock (Date.now)', pattern: /\bDate\.now\s*\(/ },
  { what: 'reads the clock (new Date())', pattern: /\bnew Date\s*\(\s*\)/ },
  {
    what: 'reads the clock (performance)',
    pattern: /\bperformance\s*\.|\bprocess\.hrtime\b|['"]node:perf_hooks['"]/,
  },
  {
    what: 'sets a timer',
    pattern: /\b(?:setTimeout|setInterval|setImmediate)\s*\(|['"](?:node:)?timers(?:\/promises)?['"]/,
  },
  { what: 'sleeps', pattern: /(?:\.|\bawait\s+)sleep\s*\(/ },
  { what: 'draws randomness', pattern: /\bMath\.random\s*\(|\brandom(?:Bytes|UUID|Int|Fill|FillSync)\b/ },
];

/** The source without its comments (a comment may name what it avoids). */
const code = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');

/** What a core file does that core must not (empty when it is pure). */
function impurities(source: string): string[] {
  const text = code(source);
  const found = IMPURE.filter((i) => i.pattern.test(text)).map((i) => i.what);
  // node:net only for its pure address parsers (isIP); a socket is I/O
  for (const m of text.matchAll(/import\s+([^;]*?)\s+from\s*['"](?:node:)?net['"]/g)) {
    const names = /^\{([^}]*)\}$/.exec((m[1] as string).trim())?.[1]?.split(',') ?? ['*'];
    if (names.some((n) => !['isIP', 'isIPv4', 'isIPv6'].includes(n.trim())))
      found.push('opens a socket (node:net beyond isIP)');
  }
  return found;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...walk(path));
    else if (/\.(ts|tsx)$/.test(entry.name)) out.push(path);
  }
  return out;
}

describe('layers', () => {
  it('the checker finds a planted crossing of each kind, and lets the allowed ones through', () => {
    const planted = `
      import { run } from '../system/runner.js';
      import type { Deps } from '../commands/deps.js';
      export { x } from "../ui/theme.js";
      import '../system/log.js';
      const m = await import('../commands/plan.js');
      import { readFileSync } from 'node:fs';
    `;
    expect(specifiers(planted).sort()).toEqual(
      [
        '../system/runner.js',
        '../commands/deps.js',
        '../ui/theme.js',
        '../system/log.js',
        '../commands/plan.js',
        'node:fs',
      ].sort(),
    );
    expect(forbidden('src/ui/Review.tsx', '../system/runner.js')).toMatch(/src\/system/);
    expect(forbidden('src/ui/Review.tsx', 'node:fs')).toMatch(/I\/O/);
    expect(forbidden('src/ui/Review.tsx', 'node:child_process')).toMatch(/I\/O/);
    expect(forbidden('src/core/plan.ts', '../system/files.js')).toMatch(/src\/system/);
    expect(forbidden('src/core/plan.ts', '../ui/theme.js')).toMatch(/src\/ui/);
    expect(forbidden('src/core/plan.ts', '../commands/plan.js')).toMatch(/src\/commands/);
    expect(forbidden('steps/mattermost/index.ts', '../../src/commands/plan.js')).toMatch(/src\/commands/);
    expect(forbidden('src/system/files.ts', '../commands/deps.js')).toMatch(/src\/commands/);
    expect(forbidden('src/ui/Review.tsx', '../commands/plan.js')).toMatch(/src\/commands/);
    // allowed
    expect(forbidden('src/main.tsx', './commands/deps.js')).toBeUndefined();
    expect(forbidden('src/commands/install.tsx', './plan.js')).toBeUndefined();
    expect(forbidden('src/commands/install.tsx', '../system/runner.js')).toBeUndefined();
    expect(forbidden('src/ui/Review.tsx', '../core/plan.js')).toBeUndefined();
    expect(forbidden('steps/mattermost/index.ts', '../../src/system/files.js')).toBeUndefined();
    expect(forbidden('src/commands/plan.ts', '../../steps/proxy/index.js')).toMatch(/steps\/index\.ts/);
    expect(forbidden('src/commands/plan.ts', '../../steps/index.js')).toBeUndefined();
    expect(forbidden('src/commands/install/checks.ts', '../../../steps/index.js')).toBeUndefined();
    expect(forbidden('src/core/plan.ts', 'node:path')).toBeUndefined();
    // core and the engine
    expect(forbidden('src/core/plan.ts', '../engine/wait.js')).toMatch(/src\/engine/);
    expect(forbidden('src/core/plan.ts', 'node:fs')).toMatch(/I\/O/);
    expect(forbidden('src/core/plan.ts', 'node:child_process')).toMatch(/I\/O/);
    expect(forbidden('src/core/plan.ts', 'execa')).toMatch(/I\/O/);
    expect(forbidden('src/engine/wait.ts', '../system/timer.js')).toMatch(/src\/system/);
    expect(forbidden('src/engine/wait.ts', '../ui/theme.js')).toMatch(/src\/ui/);
    expect(forbidden('src/engine/wait.ts', '../commands/deps.js')).toMatch(/src\/commands/);
    expect(forbidden('src/engine/wait.ts', 'node:fs/promises')).toMatch(/I\/O/);
    expect(forbidden('src/engine/wait.ts', '../core/compose.js')).toBeUndefined();
    expect(forbidden('src/commands/lock-wait.ts', '../engine/poll.js')).toBeUndefined();
  });

  it('the purity check finds a planted clock, timer, sleep, randomness and socket, and passes pure code', () => {
    const planted = [
      'const t = Date.now();',
      'const d = new Date();',
      'const p = performance.now();',
      'setTimeout(() => {}, 10);',
      'await sleep(100);',
      'await ctx.clock.sleep(100);',
      'const r = Math.random();',
      "import { randomBytes } from 'node:crypto';",
      "import { createConnection } from 'node:net';",
      "import { setTimeout as wait } from 'node:timers/promises';",
    ];
    for (const line of planted) expect(impurities(line), line).not.toEqual([]);
    const pure = [
      "import { isIP } from 'node:net';",
      'const d = new Date(0); const e = Date.parse(x);',
      '/** core never calls Date.now() or setTimeout() itself */',
      '  // a comment may name Math.random()',
      '  sleep(ms: number, signal?: AbortSignal): Promise<void>;',
      'export function generatePassword(random: RandomBytes) {}',
    ];
    for (const line of pure) expect(impurities(line), line).toEqual([]);
  });

  it('no file in src/engine reads the clock or sets a timer itself: it sleeps and tells time on the clock handed down', () => {
    // run-checks.ts bounds each check with an unref'd timer, so a hung probe never holds the process open; the
    // clock's sleep can't be unref'd. Its callers (install, doctor, readiness) hand it no clock today.
    const excused = new Set(['src/engine/run-checks.ts sets a timer']);
    const files = walk('src/engine');
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((f) =>
      impurities(readFileSync(join(ROOT, f), 'utf8'))
        .filter((what) => /clock|timer/.test(what))
        .map((what) => `${f} ${what}`),
    );
    expect(found.filter((x) => !excused.has(x))).toEqual([]);
    expect(found).toEqual([...excused]);
  });

  it('no file in src/core reads a clock, sets a timer, sleeps or draws randomness (the task engine is src/engine)', () => {
    const files = walk('src/core');
    expect(files.length).toBeGreaterThan(30);
    const found = files.flatMap((f) =>
      impurities(readFileSync(join(ROOT, f), 'utf8')).map((what) => `${f} ${what}`),
    );
    expect(found).toEqual([]);
  });

  it('no file in src/ or steps/ imports across a line the README forbids (exceptions listed, with reasons)', () => {
    const files = [...walk('src'), ...walk('steps')];
    expect(files.length).toBeGreaterThan(100);
    const crossings: string[] = [];
    const used = new Set<string>();
    let imports = 0;
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(join(ROOT, file), 'utf8'))) {
        imports += 1;
        const why = forbidden(file, specifier);
        const excused = EXCEPTIONS.some((e) => e.from === file && e.to === specifier);
        if (why && excused) used.add(`${file} -> ${specifier}`);
        if (why && !excused) crossings.push(`${file} imports ${specifier}: ${why}`);
      }
    }
    expect(imports).toBeGreaterThan(500);
    expect(crossings).toEqual([]);
    // an exception whose import is gone (fixed) comes off the list
    const stale = EXCEPTIONS.filter((e) => !used.has(`${e.from} -> ${e.to}`)).map(
      (e) => `${e.from} -> ${e.to}`,
    );
    expect(stale).toEqual([]);
  });
});
