import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { withDefaults } from '../../src/core/answers.js';
import type { Platform } from '../../src/core/platform.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { planLogLines, Review, ReviewCommands, ReviewFiles, reviewColumns } from '../../src/ui/Review.js';
import { REVIEW_QUESTION } from '../../src/ui/review-prompt.js';
import { platforms } from '../../steps/index.js';
import { renderLines } from '../helpers/render.js';
import { tmpRoot } from '../helpers/tmp.js';

/** The review each platform shows for a first install with letsencrypt (the longest plan: proxy included). */
async function propsFor(platform: Platform, notes: string[] = []) {
  const root = tmpRoot();
  const files = new RealFileStore((p) => join(root, p));
  const answers = withDefaults(
    {
      platform: platform.id,
      domain: 'chat.example.com',
      email: 'admin@example.com',
      // Mastodon with mail: its longest list of answers.
      extra: platform.id === 'mastodon' ? { ownerUsername: 'owner', smtpHost: 'smtp.example.com' } : {},
    },
    platform,
  );
  const built = await buildPlan(platform, answers, {
    files,
    templates: templateLoader(),
    hostPath: (p) => files.real(p),
    project: platform.id,
    proxyProject: 'wizard-proxy',
  });
  return reviewProps(platform, answers, built, { files }, notes, false);
}

const NOTES = [
  'Port 3000 belongs to another install on this host: this one uses 3001 (--port sets it).',
  '"chat" is already installed: this run repairs it with the same secrets and data.',
];

describe('the review at 80x24 and 60x24', () => {
  for (const platform of platforms) {
    for (const columns of [80, 60]) {
      it(`${platform.title} at ${columns} columns: the key answers and the question fit one screen`, async () => {
        const props = await propsFor(platform, NOTES);
        const lines = renderLines(<Review {...props} width={columns} />, columns);
        const screen = [...lines, REVIEW_QUESTION];
        for (const l of screen) expect(l.length, l).toBeLessThanOrEqual(columns);
        // The question is the last line: everything from the review's first line to it fits in 24 rows.
        expect(screen.length).toBeLessThanOrEqual(24);
        expect(screen[0]).toBe(`Review: installing ${platform.title}`);
        expect(lines.join('\n')).toMatch(/Files +\d+ \(\d+ to create\); f lists them/);
        expect(lines.join('\n')).toMatch(/Commands +\d+; c lists them/);
      });
    }
  }

  it('the files and commands one key away wrap with a hanging indent, within the width', async () => {
    const props = await propsFor(platforms.find((p) => p.id === 'mastodon') as Platform);
    for (const columns of [80, 60]) {
      const files = renderLines(<ReviewFiles files={props.files} width={columns} />, columns);
      const commands = renderLines(<ReviewCommands commands={props.commands} width={columns} />, columns);
      for (const l of [...files, ...commands]) expect(l.length, l).toBeLessThanOrEqual(columns);
      // A file's path on its line, what it is under it (never run together).
      const env = files.findIndex((l) => l.endsWith('/opt/mastodon/.env.db'));
      expect(files[env]).toMatch(/^ {2}create 0600 /);
      expect(files[env + 1]).toMatch(/^ {14}PostgreSQL user, database and password/);
      // A command's purpose and condition, then the command; every continuation line keeps the indent.
      const setup = commands.findIndex((l) => /^ {2}\d+\. +load the schema/.test(l));
      const next = commands.findIndex((l, i) => i > setup && /^ {2}\d+\. /.test(l));
      const block = commands.slice(setup + 1, next);
      expect(block.every((l) => /^ {6}\S/.test(l))).toBe(true);
      const text = commands.slice(setup, next).join(' ').replace(/\s+/g, ' ');
      expect(text).toContain('only on an empty database');
      expect(text).toMatch(/docker compose --project-name mastodon .*rails db:setup/);
    }
  });

  it('--dry-run shows the whole plan: the answers, every file and every command', async () => {
    const props = await propsFor(platforms.find((p) => p.id === 'rocketchat') as Platform);
    const text = renderLines(<Review {...props} dryRun full width={80} />, 80).join('\n');
    expect(text).toContain('Dry run: what installing Rocket.Chat would do');
    expect(text).toMatch(/create 0600 \S+\/opt\/rocketchat\/\.env\n {14}release, domain, ports/);
    expect(text).toContain('make nginx load the new site and certbot request its certificate');
    expect(text).toMatch(/kill -s SIGHUP nginx/);
    expect(text).not.toContain('f lists them');
  });

  it('without a terminal: no wrapping (a file or command is one line), and --yes counts the plan and names the log', async () => {
    for (const platform of platforms) {
      const props = await propsFor(platform, NOTES);
      const full = { ...props, full: true, width: Number.POSITIVE_INFINITY };
      const lines = renderLines(<Review {...full} />, reviewColumns(full));
      for (const c of props.commands)
        expect(
          lines.some((l) => l.trim() === c.command),
          c.command,
        ).toBe(true);
      for (const f of props.files)
        expect(lines.some((l) => l.endsWith(` ${f.path}${f.kind === 'dir' ? '/' : ''}`))).toBe(true);
      const compact = {
        ...props,
        full: false,
        logPath: '/var/log/wizard/install-20261204-120000-1.log',
        width: Number.POSITIVE_INFINITY,
      };
      const short = renderLines(<Review {...compact} />, reviewColumns(compact)).join('\n');
      expect(short).toMatch(/Files +\d+ \(\d+ to create\); the log lists them\n/);
      expect(short).toMatch(
        new RegExp(`Commands +${props.commands.length}; the log lists them \\(so does --dry-run\\)`),
      );
      expect(short).toMatch(/^ {2}Log +\/var\/log\/wizard\/install-20261204-120000-1\.log$/m);
      expect(short).not.toContain('docker compose');
      // The log holds every file and command, one line each.
      const log = planLogLines(props);
      expect(log).toHaveLength(props.files.length + props.commands.length);
      props.commands.forEach((c, i) => {
        expect(log[props.files.length + i]).toBe(
          `plan: command ${i + 1}: ${c.description}${c.when ? `; ${c.when}` : ''}: ${c.command}`,
        );
      });
    }
  });
});
