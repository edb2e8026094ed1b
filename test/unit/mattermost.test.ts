import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Listr } from 'listr2';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Deps } from '../../src/commands/deps.js';
import { installCommand } from '../../src/commands/install.js';
import { buildPlan, reviewProps } from '../../src/commands/plan.js';
import { answersFromEnv, parseAnswersFile, resolveAnswers, withDefaults } from '../../src/core/answers.js';
import type { HttpClient, InstallContext } from '../../src/core/context.js';
import { parseEnv } from '../../src/core/envfile.js';
import { ExitCode, UserError } from '../../src/core/errors.js';
import { formatCommand } from '../../src/core/plan.js';
import type { InstallAnswers, TlsMode } from '../../src/core/platform.js';
import { stepTask } from '../../src/engine/step-task.js';
import { templateLoader } from '../../src/system/assets.js';
import { RealFileStore } from '../../src/system/files.js';
import { findPlatform, platforms } from '../../steps/index.js';
import { parseSearch } from '../../steps/mattermost/admin.js';
import { createMockContext, createMockJournal, createMockRunner } from '../helpers/factories.js';
import type { FakeRow } from '../helpers/fake-runner.js';
import { expectGolden } from '../helpers/golden.js';
import { stackCalls, stackRows } from '../helpers/stack-rows.js';
import { tmpRoot } from '../helpers/tmp.js';

const registered = findPlatform('mattermost');
if (!registered) throw new Error('mattermost is not registered in steps/index.ts');
const mattermost = registered;
const ENV = '/opt/mattermost/.env';
const VERSION_ID = '11.7.15.19267154128.0d7ec0ac2b68e2e0a6bc1b1d94c5bc6d.false';

function answersFor(over: Partial<InstallAnswers> = {}, tls: TlsMode = 'letsencrypt'): InstallAnswers {
  return withDefaults(
    {
      platform: 'mattermost',
      domain: 'chat.example.com',
      email: 'admin@example.com',
      tls,
      extra: {},
      ...over,
    },
    mattermost,
  );
}

function setup(over: Partial<InstallAnswers> = {}, tls: TlsMode = 'letsencrypt') {
  const root = tmpRoot();
  const files = new RealFileStore((p) => join(root, p));
  let n = 0;
  const deps = {
    files,
    templates: templateLoader(),
    hostPath: (p: string) => `/ROOT${p}`,
    project: 'mattermost',
    proxyProject: 'wizard-proxy',
  };
  return { root, files, answers: answersFor(over, tls), deps, next: () => `generated-secret-${++n}` };
}

const envOf = (plan: { files: { path: string; content?: string }[] }) =>
  parseEnv(plan.files.find((f) => f.path === ENV)?.content ?? '').values;

describe('the Mattermost plan', () => {
  it('renders .env, compose.wizard.yml, the volume folders and the proxy site (golden)', async () => {
    const { answers, deps, root } = setup();
    const { plan } = await buildPlan(mattermost, answers, deps);
    const env = plan.files.find((f) => f.path === ENV);
    expect(env).toMatchObject({ mode: 0o600, secret: true, owner: { uid: 0, gid: 0 } });
    const values = envOf(plan);
    expect(values.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(values.ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(values.ADMIN_PASSWORD).not.toBe(values.POSTGRES_PASSWORD);
    const text = (env?.content ?? '')
      .replaceAll(values.POSTGRES_PASSWORD ?? '', '<generated>')
      .replaceAll(values.ADMIN_PASSWORD ?? '', '<generated-admin>');
    expectGolden('mattermost.env', text);
    expectGolden(
      'mattermost.compose.wizard.yml',
      plan.files.find((f) => f.path.endsWith('/compose.wizard.yml'))?.content ?? '',
    );
    expectGolden(
      'mattermost.chat.example.com.conf',
      plan.files.find((f) => f.path.endsWith('chat.example.com.conf'))?.content ?? '',
    );
    expectGolden(
      'mattermost.commands.txt',
      `${plan.commands.map((c) => formatCommand(c).replaceAll(root, '/ROOT')).join('\n')}\n`,
    );
    expectGolden(
      'mattermost.files.txt',
      `${plan.files.map((f) => `${f.kind} ${f.mode.toString(8)} ${f.owner ? `${f.owner.uid}:${f.owner.gid}` : '-'} ${f.path}`).join('\n')}\n`,
    );
  });

  it("uses upstream's variables: a PostgreSQL 14+ tag, an ESR image of the chosen edition, the site URL", async () => {
    const { answers, deps } = setup({ extra: { edition: 'enterprise' } });
    const { plan } = await buildPlan(mattermost, answers, deps);
    const v = envOf(plan);
    expect(v).toMatchObject({
      DOMAIN: 'chat.example.com',
      MATTERMOST_IMAGE: 'mattermost-enterprise-edition',
      MATTERMOST_IMAGE_TAG: '11.7.15',
      MM_SERVICESETTINGS_SITEURL: 'https://chat.example.com',
      APP_PORT: '8065',
      POSTGRES_USER: 'mmuser',
      POSTGRES_DB: 'mattermost',
      COMPOSE_FILE: 'docker-compose.yml:compose.wizard.yml',
    });
    expect(Number.parseInt(v.POSTGRES_IMAGE_TAG ?? '', 10)).toBeGreaterThanOrEqual(14);
    expect(v.MM_SQLSETTINGS_DATASOURCE).toBe(
      `postgres://mmuser:${v.POSTGRES_PASSWORD}@postgres:5432/mattermost?sslmode=disable&connect_timeout=10`,
    );
    expect(mattermost.releases.find((r) => r.tested)?.version).toBe('11.7.15');
    expect(mattermost.requirements.ports(answers)).toEqual([8065]);
  });

  it('with --tls none on localhost, writes no proxy and serves http on the app port', async () => {
    const { deps } = setup();
    const { plan } = await buildPlan(
      mattermost,
      answersFor({ domain: 'localhost', port: 18065 }, 'none'),
      deps,
    );
    expect(plan.files.some((f) => f.path.startsWith('/root/nginx') || f.path.startsWith('/data/nginx'))).toBe(
      false,
    );
    expect(envOf(plan)).toMatchObject({
      MM_SERVICESETTINGS_SITEURL: 'http://localhost:18065',
      APP_PORT: '18065',
    });
  });

  it('keeps secrets, the database settings, the edition and keys the user added on a re-plan', async () => {
    const { root, deps } = setup();
    mkdirSync(join(root, 'opt/mattermost'), { recursive: true });
    writeFileSync(
      join(root, 'opt/mattermost/.env'),
      '# mine\nMY_KEY=1\nPOSTGRES_PASSWORD=keepDbPass\nADMIN_PASSWORD=keepAdminPass\nPOSTGRES_IMAGE_TAG=15-alpine\nMATTERMOST_IMAGE=mattermost-enterprise-edition\nTZ=Europe/Berlin\n',
    );
    const { plan, existing } = await buildPlan(mattermost, answersFor(), deps);
    const content = plan.files.find((f) => f.path === ENV)?.content ?? '';
    expect(
      content.startsWith(
        '# mine\nMY_KEY=1\nPOSTGRES_PASSWORD=keepDbPass\nADMIN_PASSWORD=keepAdminPass\nPOSTGRES_IMAGE_TAG=15-alpine\nMATTERMOST_IMAGE=mattermost-enterprise-edition\nTZ=Europe/Berlin\n',
      ),
    ).toBe(true);
    expect(parseEnv(content).values.MM_SQLSETTINGS_DATASOURCE).toContain(':keepDbPass@postgres:5432/');
    expect(existing[ENV]).toContain('keepAdminPass');
    // An explicit --edition switches the image.
    const team = await buildPlan(mattermost, answersFor({ extra: { edition: 'team' } }), deps);
    expect(envOf(team.plan).MATTERMOST_IMAGE).toBe('mattermost-team-edition');
  });

  it('plans nothing new once its files are written (the same secrets on every run)', async () => {
    const { deps, files } = setup();
    const first = await buildPlan(mattermost, answersFor(), deps);
    for (const f of first.plan.files) await files.write(f);
    const second = await buildPlan(mattermost, answersFor(), deps);
    const props = reviewProps(mattermost, answersFor(), second, { files }, [], false);
    expect(props.files.filter((f) => f.change !== 'keep')).toEqual([]);
    expect(envOf(second.plan)).toEqual(envOf(first.plan));
  });

  it('hides secrets in the review and shows the edition when it was asked', async () => {
    const { deps, files } = setup();
    const answers = answersFor({ extra: { edition: 'team' } });
    const built = await buildPlan(mattermost, answers, deps);
    const props = reviewProps(mattermost, answers, built, { files }, [], false);
    const v = envOf(built.plan);
    expect(JSON.stringify(props)).not.toContain(v.POSTGRES_PASSWORD);
    expect(JSON.stringify(props)).not.toContain(v.ADMIN_PASSWORD);
    expect(props.answers).toContainEqual(['Mattermost edition', 'team']);
    // The admin is created once the server answers: its command comes after the readiness wait.
    expect(props.commands.slice(-6).map((c) => c.command)).toEqual([
      'GET http://127.0.0.1:8065/api/v4/system/ping',
      expect.stringMatching(/ exec -T mattermost mmctl --local user search admin$/),
      'POST http://127.0.0.1:8065/api/v4/users',
      expect.stringMatching(/ exec -T mattermost mmctl --local roles system-admin admin$/),
      expect.stringMatching(/ exec -T mattermost mmctl --local user verify admin$/),
      'POST http://127.0.0.1:8065/api/v4/users/login',
    ]);
    expect(props.commands.at(-4)?.description).toContain('the password in the request body');
  });
});

describe('the edition question', () => {
  it('is answered by flag, env var and answers file, like the shared answers', () => {
    const env = answersFromEnv({ WIZARD_EDITION: 'enterprise' }, [{ key: 'edition', env: 'WIZARD_EDITION' }]);
    expect(resolveAnswers([{ platform: 'mattermost' }, env], platforms).answers.extra).toEqual({
      edition: 'enterprise',
    });
    const file = parseAnswersFile('platform: mattermost\nedition: team\n', 'a.yml', parseYaml);
    expect(
      resolveAnswers([{ edition: 'enterprise' }, file], platforms, { fileKeys: Object.keys(file) }).answers
        .extra,
    ).toEqual({ edition: 'enterprise' });
  });

  it('refuses an edition that is not a choice, from any source', () => {
    for (const source of [
      { edition: 'pro' },
      answersFromEnv({ WIZARD_EDITION: 'pro' }, [{ key: 'edition', env: 'WIZARD_EDITION' }]),
    ]) {
      const r = resolveAnswers([{ platform: 'mattermost' }, source], platforms);
      expect(r.errors).toEqual([
        {
          key: 'edition',
          error: '"pro" is not a choice for --edition.',
          remedy: 'Choose one of: team, enterprise.',
        },
      ]);
    }
  });

  it('a bad edition stops the install before anything is looked at: exit 2', async () => {
    const deps = { platforms, env: { env: {} } } as unknown as Deps;
    const err = await installCommand(
      { platform: 'mattermost', domain: 'chat.example.com', email: 'a@example.com', edition: 'pro' },
      deps,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(ExitCode.usage);
    expect((err as UserError).message).toBe('"pro" is not a choice for --edition.');
  });
});

describe('readiness', () => {
  const judge = mattermost.readiness.judge;
  it('is GET /api/v4/system/ping answering status OK, with the release from X-Version-Id', () => {
    expect(mattermost.readiness.path).toBe('/api/v4/system/ping');
    const body =
      '{"ActiveSearchBackend":"database","AndroidLatestVersion":"","AndroidMinVersion":"","IosLatestVersion":"","IosMinVersion":"","status":"OK"}';
    expect(judge(200, body, { 'x-version-id': VERSION_ID })).toEqual({
      ready: true,
      version: '11.7.15',
      detail: 'status OK',
    });
    expect(judge(200, body, { 'x-version-id': '10.11.23.dev.abc.true' }).version).toBe('10.11.23');
    expect(judge(200, body)).toEqual({ ready: true, detail: 'status OK' });
    expect(judge(500, '{"status":"UNHEALTHY"}', {}).ready).toBe(false);
    expect(judge(200, '<html>', {}).ready).toBe(false);
  });
});

/** Mattermost's API as the real server and the stand-in answer it. */
function fakeMattermost(
  opts: {
    readyAfter?: number;
    version?: string;
    login?: boolean;
    /** What POST /api/v4/users answers: the first user (admin, default), a later one, or sign-up closed. */
    signup?: 'first' | 'later' | 'closed';
  } = {},
): HttpClient & {
  polls: number;
  logins: number;
  created: { email: string; username: string; password: string }[];
} {
  const client = {
    polls: 0,
    logins: 0,
    created: [] as { email: string; username: string; password: string }[],
    async request(
      url: string,
      o: { body?: string } = {},
    ): Promise<{ status: number; body: string; headers?: Record<string, string> }> {
      if (url.endsWith('/api/v4/system/ping')) {
        client.polls++;
        if (client.polls <= (opts.readyAfter ?? 0)) throw new Error('connection refused');
        return {
          status: 200,
          body: '{"status":"OK"}',
          headers: { 'x-version-id': `${opts.version ?? '11.7.15'}.123.abc.false` },
        };
      }
      if (url.endsWith('/api/v4/users')) {
        if (opts.signup === 'closed')
          return {
            status: 403,
            body: '{"id":"api.user.create_user.no_open_server","message":"This server does not allow open signups.  Please speak with your Administrator to receive an invitation.","status_code":403}',
          };
        const body = JSON.parse(o.body ?? '{}');
        client.created.push(body);
        const roles = opts.signup === 'later' ? 'system_user' : 'system_admin system_user';
        return {
          status: 201,
          body: JSON.stringify({ id: 'u1', username: body.username, roles, email_verified: false }),
        };
      }
      if (url.endsWith('/api/v4/users/login')) {
        client.logins++;
        expect(JSON.parse(o.body ?? '{}')).toMatchObject({ login_id: 'admin' });
        return opts.login === false
          ? {
              status: 401,
              body: '{"id":"api.user.login.invalid_credentials_email_username","message":"Enter a valid email or username and/or password.","status_code":401}',
            }
          : { status: 200, body: '{"id":"u1","username":"admin"}', headers: { token: 't' } };
      }
      throw new Error(`unexpected ${url}`);
    },
  };
  return client;
}

const PROJECT = 'mm-test';
/** PostgreSQL first (until pg_isready answers), then the rest: the shared compose-up in Mattermost's order. */
const up: FakeRow[] = [
  ...stackRows(mattermost, ['postgres', 'mattermost']),
  {
    match: new RegExp(
      `^docker compose --project-name ${PROJECT} .* up -d --remove-orphans --pull never --no-deps mattermost$`,
    ),
  },
];
const notFound: FakeRow = {
  match: / exec -T mattermost mmctl --local user search admin$/,
  exitCode: 1,
  stderr: '1 error occurred:\n\t* user admin not found\n\nError: 1 error occurred:\n\t* user admin not found',
};
const found: FakeRow = {
  match: / exec -T mattermost mmctl --local user search admin$/,
  stdout:
    'id: 8x3\nusername: admin\nnickname: \nposition: \nfirst_name: \nlast_name: \nemail: admin@example.com\nauth_service: ',
};
const verify: FakeRow = {
  match: / exec -T mattermost mmctl --local user verify admin$/,
  stdout: 'User admin verified',
};
const promote: FakeRow = {
  match: / exec -T mattermost mmctl --local roles system-admin admin$/,
  stdout: 'System admin role assigned to user "admin". Current roles are: system_user system_admin',
};

async function tree(rows: FakeRow[], http: HttpClient, completed: string[] = []) {
  const root = tmpRoot();
  // A re-run: the plan finds the clone of the first run.
  if (completed.length > 0) mkdirSync(join(root, 'opt/mattermost/.git/info'), { recursive: true });
  const files = new RealFileStore((p) => join(root, p));
  const answers = answersFor({ offline: true }, 'none');
  const { plan, steps } = await buildPlan(mattermost, answers, {
    files,
    templates: templateLoader(),
    hostPath: (p) => join(root, p),
    project: PROJECT,
    proxyProject: 'proxy-test',
    completed: new Set(completed),
  });
  const inputs: (string | undefined)[] = [];
  const runner = createMockRunner({
    rows: [
      {
        match: /^git clone /,
        effect: () => void mkdirSync(join(root, 'opt/mattermost/.git/info'), { recursive: true }),
      },
      ...rows,
    ],
    onRun: (cmd) => inputs.push(cmd.input),
  });
  const journal = createMockJournal(completed);
  const { journaled } = journal;
  const ctx: InstallContext = createMockContext({
    answers,
    platform: mattermost,
    plan,
    project: PROJECT,
    runner,
    files,
    http,
    journal,
  });
  const list = new Listr<InstallContext, 'silent'>(steps.map(stepTask), {
    ctx,
    renderer: 'silent',
    exitOnError: true,
  });
  const password = async () => parseEnv((await files.readText(ENV)) ?? '').values.ADMIN_PASSWORD ?? '';
  return { root, ctx, runner, list, journaled, inputs, password };
}

describe('the Mattermost task tree (fake runner)', () => {
  it('clones, writes files and folders, starts, waits, then creates the admin through the API, in that order', async () => {
    const http = fakeMattermost({ readyAfter: 2 });
    const { root, runner, list, journaled, ctx, inputs, password } = await tree(
      [...up, notFound, verify],
      http,
    );
    await list.run();
    const calls = runner.calls.map((c) => c.replaceAll(root, ''));
    const compose = `docker compose --project-name ${PROJECT} --project-directory /opt/mattermost -f docker-compose.yml -f compose.wizard.yml`;
    expect(calls).toEqual([
      'git clone --quiet --branch main -- https://github.com/mattermost/docker.git /opt/mattermost',
      ...stackCalls(mattermost, ['mattermost'], true, {
        compose: (c) => `${compose} ${c}`,
        project: PROJECT,
      }),
      `${compose} exec -T mattermost mmctl --local user search admin`,
      `${compose} exec -T mattermost mmctl --local user verify admin`,
    ]);
    // The password goes in the API request's body, never into a command line or a command's stdin.
    const pass = await password();
    expect(http.created).toEqual([{ email: 'admin@example.com', username: 'admin', password: pass }]);
    expect(runner.calls.join('\n')).not.toContain(pass);
    expect(inputs.every((i) => i === undefined)).toBe(true);
    expect(journaled).toEqual([
      'clone',
      'files:Write .env, compose.wizard.yml and the volume folders',
      'up',
      'ready',
      'admin',
    ]);
    expect(list.tasks.map((t) => t.title)).toEqual([
      'Cloned the compose repository',
      'Wrote .env, compose.wizard.yml and the volume folders (10 changed, 0 unchanged)',
      'Started the containers',
      expect.stringMatching(/^Mattermost 11.7.15 answers \(after \d+ s\)$/),
      'Created the first admin "admin"',
    ]);
    expect(ctx.readyVersion).toBe('11.7.15');
    expect(http.logins).toBe(1);
    expect(statSync(join(root, 'opt/mattermost/.env')).mode & 0o777).toBe(0o600);
    expect(statSync(join(root, 'opt/mattermost/volumes/app/mattermost/config')).mode & 0o777).toBe(0o700);
    if (process.getuid?.() === 0)
      expect(statSync(join(root, 'opt/mattermost/volumes/app/mattermost/client/plugins')).uid).toBe(2000);
  });

  it('no password in any argv the runner receives, whatever the path (first user, later user, re-run)', async () => {
    for (const signup of ['first', 'later'] as const) {
      const http = fakeMattermost({ signup });
      const seen: string[][] = [];
      const { runner, list, password } = await tree([...up, notFound, verify, promote], http);
      const run = runner.run.bind(runner);
      runner.run = (cmd, o) => {
        seen.push([cmd.file, ...cmd.args, ...Object.values(cmd.env ?? {}), cmd.input ?? '']);
        return run(cmd, o);
      };
      await list.run();
      const pass = await password();
      expect(pass.length).toBeGreaterThan(8);
      for (const argv of seen) for (const a of argv) expect(a).not.toContain(pass);
      expect(runner.calls.some((c) => c.endsWith('roles system-admin admin'))).toBe(signup === 'later');
    }
  });

  it('stops, naming the cause, when someone signed up first (sign-up closed)', async () => {
    const { list, runner } = await tree([...up, notFound], fakeMattermost({ signup: 'closed' }));
    const err = await list.run().then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toMatch(/Someone already has an account on this server, so sign-up is closed/);
    expect(err?.remedy).toContain('mmctl --local user list');
    expect(runner.calls.some((c) => c.includes('roles system-admin'))).toBe(false);
  });

  it('skips creating the admin when the journal says an earlier run did', async () => {
    const { runner, list } = await tree(
      [{ match: /status --porcelain/ }, { match: /fetch --quiet/ }, { match: /merge --ff-only/ }, ...up],
      fakeMattermost(),
      ['admin'],
    );
    await list.run();
    expect(runner.calls.some((c) => c.includes(' exec -T mattermost '))).toBe(false);
    expect(list.tasks.at(-1)?.title).toBe('First admin "admin" logs in');
  });

  it('skips creating the admin when the user already exists', async () => {
    const { runner, list } = await tree([...up, found], fakeMattermost());
    await list.run();
    expect(runner.calls.filter((c) => c.includes(' exec -T mattermost '))).toHaveLength(1);
    expect(list.tasks.at(-1)?.title).toBe('First admin "admin" logs in');
  });

  it('fails, with a remedy, when an existing user does not take the stored password', async () => {
    const { list, runner } = await tree([...up, found], fakeMattermost({ login: false }));
    const err = await list.run().then(
      () => undefined,
      (e: Error & { remedy?: string }) => e,
    );
    expect(err?.message).toMatch(
      /A user "admin" already exists in this database, and the password in .*\.env does not log in \(HTTP 401: Enter a valid email/,
    );
    expect(err?.remedy).toContain('mmctl --local user change-password admin');
    expect(runner.calls.some((c) => c.includes('user create'))).toBe(false);
  });

  it('on a re-run, an admin whose password was changed is a note, not a failure', async () => {
    const { list, ctx } = await tree(
      [{ match: /status --porcelain/ }, { match: /fetch --quiet/ }, { match: /merge --ff-only/ }, ...up],
      fakeMattermost({ login: false }),
      ['admin'],
    );
    await list.run();
    expect(ctx.notes[0]).toContain('stored password no longer logs in');
  });

  it('reports what mmctl said when it can not tell whether the admin exists', async () => {
    const broken: FakeRow = {
      match: / user search admin$/,
      exitCode: 1,
      stderr: 'Error: unexpected end of JSON input',
    };
    const { list } = await tree([...up, broken], fakeMattermost());
    await expect(list.run()).rejects.toThrow(
      /Can't tell whether the user "admin" exists: .*\nError: unexpected end of JSON input/,
    );
  });

  it('does not accept a server answering with another release', async () => {
    const { list } = await tree(
      [...up, { match: / logs --no-color --tail 30 mattermost$/, stdout: '' }],
      fakeMattermost({ version: '10.11.23' }),
    );
    await expect(list.run()).rejects.toThrow(/last: answers with version 10.11.23, expected 11.7.15/);
  });

  it('reads mmctl user search like mmctl prints it', () => {
    const r = (exitCode: number, stdout: string, stderr = '') => ({ command: '', exitCode, stdout, stderr });
    expect(parseSearch(r(0, 'id: x\nusername: admin\nemail: a@b.c'), 'admin')).toBe(true);
    expect(parseSearch(r(0, 'id: x\nusername: admin2'), 'admin')).toBe(undefined);
    expect(parseSearch(r(1, '', 'Error: 1 error occurred:\n\t* user admin not found'), 'admin')).toBe(false);
    expect(
      parseSearch(r(1, '', 'Error: socket file "/var/tmp/mattermost_local.socket" doesn\'t exists'), 'admin'),
    ).toBe(undefined);
  });
});
