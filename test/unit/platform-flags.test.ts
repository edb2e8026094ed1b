import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { resolveAnswers, withDefaults } from '../../src/core/answers.js';
import { parseEnv } from '../../src/core/envfile.js';
import type { InstallAnswers, Platform } from '../../src/core/platform.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform, platforms } from '../../steps/index.js';
import { validateUsername } from '../../steps/mattermost/admin.js';
import { tmpRoot } from '../helpers/tmp.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's variables, as upstream's compose.yml writes them
const APP_LINE = '${BIND_IP:-0.0.0.0}:${HOST_PORT:-3000}:${PORT:-3000}';
const mattermost = findPlatform('mattermost') as Platform;
const rocketchat = findPlatform('rocketchat') as Platform;

function plan(platform: Platform, extra: Record<string, string>, existingEnv?: string) {
  const root = tmpRoot();
  const files = new RealFileStore((p) => join(root, p));
  const answers = withDefaults(
    { platform: platform.id, domain: 'chat.example.com', email: 'admin@example.com', tls: 'none', extra },
    platform,
  );
  const deps = {
    files,
    templates: templateLoader(),
    hostPath: (p: string) => `/ROOT${p}`,
    project: platform.id,
    proxyProject: 'wizard-proxy',
  };
  return (async () => {
    if (existingEnv !== undefined)
      await files.write({
        kind: 'file',
        path: `${answers.dataDir}/.env`,
        mode: 0o600,
        content: existingEnv,
        description: '',
      });
    const built = await buildPlan(platform, answers, deps);
    const env = parseEnv(
      built.plan.files.find((f) => f.path === `${answers.dataDir}/.env`)?.content ?? '',
    ).values;
    const file = (name: string) => built.plan.files.find((f) => f.path.endsWith(name))?.content ?? '';
    return {
      built,
      env,
      file,
      answers: answers as InstallAnswers,
      props: reviewProps(platform, answers, built, { files }, [], false),
    };
  })();
}

describe("Mattermost's first admin: a question and a flag, like Rocket.Chat's", () => {
  it('--admin-username names the admin in .env, in the mmctl command and in the review', async () => {
    const r = resolveAnswers([{ platform: 'mattermost', adminUsername: 'Boss' }], platforms);
    expect(r.errors).toEqual([]);
    expect(r.answers.extra).toEqual({ adminUsername: 'boss' });
    const p = await plan(mattermost, { adminUsername: 'boss' });
    expect(p.env.ADMIN_USERNAME).toBe('boss');
    expect(p.props.commands.at(-3)?.command).toMatch(/ mmctl --local roles system-admin boss$/);
    expect(p.props.answers).toContainEqual(['Admin username', 'boss']);
    // An install that already has its admin keeps it.
    const again = await plan(mattermost, { adminUsername: 'other' }, 'ADMIN_USERNAME=boss\n');
    expect(again.env.ADMIN_USERNAME).toBe('boss');
    // The default is admin, asked with the other questions.
    expect(mattermost.questions.find((q) => q.key === 'adminUsername')).toMatchObject({
      flag: '--admin-username',
      env: 'WIZARD_ADMIN_USERNAME',
      message: 'Admin username:',
      default: 'admin',
    });
  });

  it("refuses what Mattermost refuses: its reserved names, a first character that isn't a letter, odd characters", () => {
    expect(validateUsername('admin')).toEqual({ ok: true, value: 'admin' });
    expect(validateUsername('channel')).toMatchObject({
      ok: false,
      error: '"channel" is reserved by Mattermost.',
    });
    for (const bad of ['1boss', 'a', 'no spaces', 'x'.repeat(23), 'bøss'])
      expect(validateUsername(bad)).toMatchObject({
        ok: false,
        error: `"${bad}" is not a valid Mattermost username.`,
      });
  });
});

describe("Rocket.Chat's other host ports: moved or left unpublished by flag", () => {
  it('--mongodb-port, --nats-port and --metrics-port take a port or none', () => {
    const r = resolveAnswers(
      [{ platform: 'rocketchat', mongodbPort: '27100', natsPort: 'none', metricsPort: 'NONE' }],
      platforms,
    );
    expect(r.errors).toEqual([]);
    expect(r.answers.extra).toEqual({ mongodbPort: '27100', natsPort: 'none', metricsPort: 'none' });
    expect(resolveAnswers([{ platform: 'rocketchat', natsPort: '80' }], platforms).errors[0]).toEqual({
      key: 'natsPort',
      error: '"80" can\'t be the NATS port.',
      remedy: 'Use a number from 1024 to 65535, or none to leave it unpublished.',
    });
    // Another platform refuses them, naming Rocket.Chat.
    expect(resolveAnswers([{ platform: 'mastodon', mongodbPort: 'none' }], platforms).errors[0]?.error).toBe(
      '--mongodb-port does not apply to Mastodon: it is for Rocket.Chat.',
    );
  });

  it('none drops the port from compose (Compose !reset and !override) and from the ports checked', async () => {
    const p = await plan(rocketchat, { mongodbPort: 'none', natsPort: 'none', metricsPort: 'none' });
    const wizard = parseYaml(p.file('compose.wizard.yml').replace(/!reset|!override/g, '')) as {
      services: Record<string, { ports?: string[] | null }>;
    };
    expect(p.file('compose.wizard.yml')).toContain(
      '  mongodb:\n    ports: !reset []\n  nats:\n    ports: !reset []\n',
    );
    expect(p.file('compose.wizard.yml')).toContain(`    ports: !override\n      - "${APP_LINE}"\n`);
    expect(wizard.services.rocketchat?.ports).toEqual([APP_LINE]);
    expect(rocketchat.requirements.ports(p.answers)).toEqual([3000]);
    expect(p.props.answers).toContainEqual([
      'Other ports',
      '127.0.0.1: Prometheus metrics not published, MongoDB not published, NATS not published',
    ]);
    // Published ports keep upstream's file as it is.
    const published = await plan(rocketchat, {});
    expect(published.file('compose.wizard.yml')).not.toContain('ports:');
  });
});
