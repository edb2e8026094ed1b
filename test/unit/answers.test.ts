import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  answersFromEnv,
  judgeExtras,
  missingAnswersError,
  parseAnswersFile,
  resolveAnswers,
  withDefaults,
} from '../../src/core/answers.js';
import { platforms } from '../../steps/index.js';

const rocketchat = platforms[0];

describe('answers', () => {
  it('merges flags over env vars over the answers file', () => {
    const r = resolveAnswers(
      [
        { domain: 'flag.example.com' },
        answersFromEnv({
          WIZARD_DOMAIN: 'env.example.com',
          WIZARD_EMAIL: 'env@example.com',
          WIZARD_YES: '1',
        }),
        { platform: 'rocketchat', email: 'file@example.com', port: 3100 },
      ],
      platforms,
    );
    expect(r.errors).toEqual([]);
    expect(r.answers).toMatchObject({
      platform: 'rocketchat',
      domain: 'flag.example.com',
      email: 'env@example.com',
      port: 3100,
    });
    expect(r.yes).toBe(true);
    expect(r.missing).toEqual([]);
  });

  it('names every missing answer with its flag and env var', () => {
    const r = resolveAnswers([{ email: 'a@example.com' }], platforms);
    expect(r.missing).toEqual(['platform', 'domain']);
    const e = missingAnswersError(r.missing);
    expect(e.message).toContain('--platform (or WIZARD_PLATFORM)');
    expect(e.message).toContain('--domain (or WIZARD_DOMAIN)');
    expect(e.exitCode).toBe(2);
  });

  it('lists every bad answer with a remedy', () => {
    const r = resolveAnswers(
      [
        {
          platform: 'slack',
          domain: 'http://x',
          email: 'nope',
          port: '99999',
          tls: 'maybe',
          dataDir: 'relative/dir',
          version: 'latest',
        },
      ],
      platforms,
    );
    expect(r.errors.map((e) => e.key).sort()).toEqual([
      'dataDir',
      'domain',
      'email',
      'platform',
      'port',
      'tls',
      'version',
    ]);
    for (const e of r.errors) expect(e.remedy).not.toBe('');
  });

  it('refuses a release the platform does not know, and the proxy ports as app port', () => {
    const r = resolveAnswers([{ platform: 'rocketchat', version: '1.2.3', port: 443 }], platforms);
    expect(r.errors.map((e) => e.error)).toEqual([
      'Rocket.Chat 1.2.3 is not a release this wizard knows.',
      "Port 443 is the proxy's.",
    ]);
  });

  it('accepts localhost only with --tls none', () => {
    expect(resolveAnswers([{ domain: 'localhost' }], platforms).errors).toHaveLength(1);
    expect(resolveAnswers([{ domain: 'localhost', tls: 'none' }], platforms).answers.domain).toBe(
      'localhost',
    );
  });

  it('reads YAML and JSON answers files with kebab-case keys, and names unknown keys', () => {
    const yaml = parseAnswersFile(
      'platform: rocketchat\ndata-dir: /srv/rc\nignore-check: [dns]\n',
      'a.yml',
      parseYaml,
    );
    expect(yaml).toEqual({ platform: 'rocketchat', dataDir: '/srv/rc', ignoreCheck: ['dns'] });
    expect(parseAnswersFile('{"domain":"x.example.com"}', 'a.json', parseYaml)).toEqual({
      domain: 'x.example.com',
    });
    const r = resolveAnswers([yaml, { domian: 'typo' }], platforms, {
      fileKeys: ['platform', 'domian'],
      fileName: 'a.yml',
    });
    expect(r.errors[0]?.error).toBe('Unknown key "domian" in a.yml.');
    expect(r.ignoreChecks).toEqual(['dns']);
  });

  it('gives a clear error for a broken answers file', () => {
    expect(() => parseAnswersFile('domain: [unclosed', 'a.yml', parseYaml)).toThrow(
      /Can't read the answers file a.yml/,
    );
    expect(() => parseAnswersFile('- a\n- b\n', 'a.yml', parseYaml)).toThrow(/not a mapping/);
    expect(() => parseAnswersFile('{"domain": ', 'a.json', parseYaml)).toThrow(/Can't read/);
  });

  it('fills defaults from the platform: the tested release, its data dir and port', () => {
    if (!rocketchat) throw new Error('no platform');
    const a = withDefaults(
      { platform: 'rocketchat', domain: 'chat.example.com', email: 'a@example.com', extra: {} },
      rocketchat,
    );
    expect(a).toEqual({
      platform: 'rocketchat',
      name: 'rocketchat',
      domain: 'chat.example.com',
      email: 'a@example.com',
      version: '8.0.1',
      dataDir: '/opt/rocketchat',
      tls: 'letsencrypt',
      port: 3000,
      repoUrl: 'https://github.com/RocketChat/rocketchat-compose.git',
      offline: false,
      extra: { adminUsername: 'admin' },
    });
  });

  it('validates platform questions the same way', () => {
    const r = resolveAnswers([{ platform: 'rocketchat', adminUsername: 'bad name!' }], platforms);
    expect(r.errors[0]?.key).toBe('adminUsername');
  });

  it("keeps a platform's own answers given before the platform is known, and judges them once it is", () => {
    const r = resolveAnswers(
      [{ streamingPort: '13821' }, answersFromEnv({}, []), { ownerUsername: 'boss' }],
      platforms,
    );
    expect(r.errors).toEqual([]);
    expect(r.answers.extra).toEqual({ streamingPort: '13821', ownerUsername: 'boss' });
    const mastodon = platforms.find((p) => p.id === 'mastodon');
    const mattermost = platforms.find((p) => p.id === 'mattermost');
    if (!mastodon || !mattermost) throw new Error('platforms');
    expect(judgeExtras(mastodon, r.answers.extra ?? {}, platforms)).toEqual({
      extra: { streamingPort: '13821', ownerUsername: 'boss' },
      errors: [],
    });
    // Picked Mattermost: both are refused, each naming the platform it is for; a bad value is refused too.
    expect(judgeExtras(mattermost, { streamingPort: '1', adminUsername: 'Boss' }, platforms)).toEqual({
      extra: { adminUsername: 'boss' },
      errors: [
        {
          key: 'streamingPort',
          error: '--streaming-port does not apply to Mattermost: it is for Mastodon.',
          remedy: 'Drop --streaming-port, or install Mastodon.',
        },
      ],
    });
  });

  it('names an answer by where it was given: the flag, the env var or the answers-file key', () => {
    const r = resolveAnswers(
      [{ platform: 'rocketchat' }, { edition: 'team' }, { ownerUsername: 'boss' }],
      platforms,
      { kinds: ['flag', 'env', 'file'], fileName: 'answers.yml' },
    );
    expect(r.errors.map((e) => e.error)).toEqual([
      'WIZARD_EDITION does not apply to Rocket.Chat: it is for Mattermost.',
      '"owner-username" in answers.yml does not apply to Rocket.Chat: it is for Mastodon.',
    ]);
    expect(r.origins.platform).toBe('--platform');
  });
});
