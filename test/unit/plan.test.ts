import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { withDefaults } from '../../src/core/answers.js';
import { parseEnv } from '../../src/core/envfile.js';
import { formatCommand } from '../../src/core/plan.js';
import type { Platform } from '../../src/core/platform.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform } from '../../steps/index.js';
import { expectGolden } from '../helpers/golden.js';
import { tmpRoot } from '../helpers/tmp.js';

const rocketchat = findPlatform('rocketchat') as Platform;

function setup(tls: 'letsencrypt' | 'selfsigned' | 'none' = 'letsencrypt') {
  const root = tmpRoot();
  const hostPath = (p: string) => join(root, p);
  const files = new RealFileStore(hostPath);
  const answers = withDefaults(
    { platform: 'rocketchat', domain: 'chat.example.com', email: 'admin@example.com', tls, extra: {} },
    rocketchat,
  );
  let n = 0;
  const deps = {
    files,
    templates: templateLoader(),
    hostPath: (p: string) => `/ROOT${p}`,
    project: 'rocketchat',
    proxyProject: 'wizard-proxy',
  };
  return { root, files, answers, deps, secret: () => `generated-secret-${++n}` };
}

describe('the Rocket.Chat plan', () => {
  it("publishes a second install's MongoDB, NATS and metrics on the ports picked for it", async () => {
    const { answers, deps } = setup();
    const { plan } = await buildPlan(
      rocketchat,
      {
        ...answers,
        extra: { ...answers.extra, metricsPort: '9459', mongodbPort: '27018', natsPort: '4223' },
      },
      deps,
    );
    const values = parseEnv(plan.files.find((f) => f.path === '/opt/rocketchat/.env')?.content ?? '').values;
    expect(values).toMatchObject({
      METRICS_PORT: '9459',
      MONGODB_HOST_PORT: '27018',
      NATS_PORT_NUMBER: '4223',
    });
    expect(rocketchat.requirements.ports({ ...answers, extra: { mongodbPort: '27018' } })).toEqual([
      3000, 9458, 27018, 4222,
    ]);
  });

  it('renders .env, compose.wizard.yml and the proxy site (golden)', async () => {
    const { answers, deps, root } = setup();
    const { plan } = await buildPlan(rocketchat, answers, deps);
    const env = plan.files.find((f) => f.path === '/opt/rocketchat/.env');
    expect(env).toMatchObject({ mode: 0o600, secret: true });
    const values = parseEnv(env?.content ?? '').values;
    expect(values.ADMIN_PASS).toMatch(/^[A-Za-z0-9]{24}$/);
    expectGolden('rocketchat.env', (env?.content ?? '').replace(values.ADMIN_PASS ?? '', '<generated>'));
    expectGolden(
      'rocketchat.compose.wizard.yml',
      plan.files.find((f) => f.path.endsWith('compose.wizard.yml'))?.content ?? '',
    );
    expectGolden(
      'proxy.compose.yml',
      plan.files.find((f) => f.path === '/root/nginx/compose.yml')?.content ?? '',
    );
    expectGolden(
      'proxy.nginx-certbot.env',
      plan.files.find((f) => f.path.endsWith('nginx-certbot.env'))?.content ?? '',
    );
    expectGolden(
      'proxy.chat.example.com.conf',
      plan.files.find((f) => f.path.endsWith('chat.example.com.conf'))?.content ?? '',
    );
    expectGolden(
      'rocketchat.commands.txt',
      `${plan.commands.map((c) => formatCommand(c).replaceAll(root, '/ROOT')).join('\n')}\n`,
    );
  });

  it('keeps keys the user added, and never regenerates the admin password', async () => {
    const { root, answers, deps } = setup();
    mkdirSync(join(root, 'opt/rocketchat'), { recursive: true });
    writeFileSync(
      join(root, 'opt/rocketchat/.env'),
      '# mine\nREG_TOKEN=abc\nMY_KEY=1\nADMIN_PASS=keepThisOne\nRELEASE=7.13.0\n',
    );
    const { plan, existing } = await buildPlan(rocketchat, answers, deps);
    const content = plan.files.find((f) => f.path === '/opt/rocketchat/.env')?.content ?? '';
    expect(
      content.startsWith('# mine\nREG_TOKEN=abc\nMY_KEY=1\nADMIN_PASS=keepThisOne\nRELEASE=8.0.1\n'),
    ).toBe(true);
    expect(existing['/opt/rocketchat/.env']).toContain('keepThisOne');
  });

  it("with --tls none writes no proxy and keeps a real domain on https (the user's proxy)", async () => {
    const { answers, deps } = setup('none');
    const { plan } = await buildPlan(rocketchat, answers, deps);
    expect(plan.files.map((f) => f.path)).toEqual([
      '/opt/rocketchat/.env',
      '/opt/rocketchat/compose.wizard.yml',
    ]);
    expect(parseEnv(plan.files[0]?.content ?? '').values).toMatchObject({
      ROOT_URL: 'https://chat.example.com',
      BIND_IP: '127.0.0.1',
      HOST_PORT: '3000',
    });
    const local = await buildPlan(rocketchat, { ...answers, domain: 'localhost', port: 3100 }, deps);
    expect(parseEnv(local.plan.files[0]?.content ?? '').values.ROOT_URL).toBe('http://localhost:3100');
  });

  it('uses a local CA for --tls selfsigned', async () => {
    const { answers, deps } = setup('selfsigned');
    const { plan } = await buildPlan(rocketchat, answers, deps);
    expect(plan.files.find((f) => f.path.endsWith('nginx-certbot.env'))?.content).toContain('USE_LOCAL_CA=1');
  });

  it('shows what will change in the review, hiding secrets', async () => {
    const { answers, deps, files } = setup();
    const built = await buildPlan(rocketchat, answers, deps);
    const props = reviewProps(rocketchat, answers, built, { files }, [], false);
    expect(props.files.find((f) => f.path.endsWith('/.env'))).toMatchObject({
      change: 'create',
      mode: '0600',
      secret: true,
    });
    expect(JSON.stringify(props)).not.toContain(
      parseEnv(built.plan.files[0]?.content ?? '').values.ADMIN_PASS,
    );
  });
});
