import { describe, expect, it } from 'vitest';
import { validateDomain } from '../../src/core/domain.js';
import { Checklist } from '../../src/ui/Checklist.js';
import { Confirm, type QuestionStep, Questions } from '../../src/ui/Questions.js';
import { Review } from '../../src/ui/Review.js';
import { Summary } from '../../src/ui/Summary.js';
import { keys, render } from '../helpers/render.js';

const platformStep: QuestionStep = {
  key: 'platform',
  kind: 'select',
  message: 'Which chat platform?',
  choices: [
    { value: 'rocketchat', name: 'Rocket.Chat', description: 'Team chat' },
    { value: 'mattermost', name: 'Mattermost', description: 'Slack-style' },
  ],
};
const domainStep: QuestionStep = {
  key: 'domain',
  kind: 'text',
  message: 'Domain:',
  validate: (s) => validateDomain(s),
};

describe('questions', () => {
  it('chooses a platform with the arrow keys', async () => {
    let done: Record<string, string> | undefined;
    const r = render(
      <Questions
        next={(v) => (v.platform ? undefined : platformStep)}
        onDone={(v) => {
          done = v;
        }}
      />,
    );
    expect(r.frame()).toContain('❯ Rocket.Chat');
    await r.type(keys.down);
    expect(r.frame()).toContain('❯ Mattermost');
    await r.type(keys.enter);
    expect(done).toEqual({ platform: 'mattermost' });
  });

  it('keys that arrive in one chunk (a laggy SSH link, a paste) count in order', async () => {
    let done: Record<string, string> | undefined;
    const r = render(
      <Questions
        next={(v) => (!v.platform ? platformStep : !v.domain ? domainStep : undefined)}
        onDone={(v) => {
          done = v;
        }}
      />,
    );
    // ↓ and Enter in one write: Enter picks what ↓ chose, not the choice of the last frame.
    await r.type(`${keys.down}${keys.enter}`);
    expect(r.frame()).toContain('✔ Which chat platform? mattermost');
    // A pasted line with its newline is submitted whole.
    await r.type('chat.example.com\r');
    expect(done).toEqual({ platform: 'mattermost', domain: 'chat.example.com' });
  });

  it('shows a domain error with its remedy, and accepts the corrected domain', async () => {
    let done: Record<string, string> | undefined;
    const r = render(
      <Questions
        next={(v) => (v.domain ? undefined : domainStep)}
        onDone={(v) => {
          done = v;
        }}
      />,
    );
    await r.type('https://chat.example.com', keys.enter);
    expect(r.frame()).toContain('✖ "https://chat.example.com" is a URL, not a domain.');
    expect(r.frame()).toContain('→ Give only the host name');
    expect(done).toBeUndefined();
    await r.type(...Array(24).fill(keys.backspace), 'chat.example.com', keys.enter);
    expect(done).toEqual({ domain: 'chat.example.com' });
  });

  it('takes the default of a text question on Enter, and lists answered questions', async () => {
    let done: Record<string, string> | undefined;
    const steps: QuestionStep[] = [
      platformStep,
      { key: 'dataDir', kind: 'text', message: 'Data directory:', initial: '/opt/rocketchat' },
    ];
    const r = render(
      <Questions
        next={(v) => steps.find((s) => v[s.key] === undefined)}
        labels={(k, v) => (k === 'platform' ? 'Rocket.Chat' : v)}
        onDone={(v) => {
          done = v;
        }}
      />,
    );
    await r.type(keys.enter);
    expect(r.frame()).toContain('✔ Which chat platform? Rocket.Chat');
    expect(r.frame()).toContain('(/opt/rocketchat)');
    await r.type(keys.enter);
    expect(done).toEqual({ platform: 'rocketchat', dataDir: '/opt/rocketchat' });
  });

  it('confirms only on y; Enter means no', async () => {
    let answer: boolean | undefined;
    const r = render(
      <Confirm
        message="Go ahead and install?"
        onAnswer={(y) => {
          answer = y;
        }}
      />,
    );
    expect(r.frame()).toContain('(y/N)');
    await r.type(keys.enter);
    expect(answer).toBe(false);
    const r2 = render(
      <Confirm
        message="Go ahead and install?"
        onAnswer={(y) => {
          answer = y;
        }}
      />,
    );
    await r2.type('y');
    expect(answer).toBe(true);
  });
});

describe('static screens', () => {
  it('checklist: verdicts, details, remedies and the flag that ignores a failure', () => {
    const r = render(
      <Checklist
        title="Checking this server"
        items={[
          {
            id: 'arch',
            title: 'CPU architecture',
            outcome: {
              id: 'arch',
              title: 'CPU architecture',
              status: 'fail',
              detail: 'arm64 (aarch64)',
              remedy: 'Use an amd64 (x86_64) server.',
            },
          },
          {
            id: 'git',
            title: 'git',
            outcome: { id: 'git', title: 'git', status: 'pass', detail: 'git 2.43.0' },
          },
          { id: 'dns', title: 'DNS' },
        ]}
      />,
    );
    expect(r.frame()).toContain('✖ CPU architecture  arm64 (aarch64)');
    expect(r.frame()).toContain('→ Use an amd64 (x86_64) server.  (or --ignore-check arch)');
    expect(r.frame()).toContain('✔ git               git 2.43.0');
    expect(r.frame()).toContain('… DNS               checking');
  });

  it('review: answers, files with mode and change, commands, and no secret', () => {
    const r = render(
      <Review
        title="Rocket.Chat"
        answers={[
          ['Platform', 'Rocket.Chat 8.0.1'],
          ['Domain', 'chat.example.com'],
        ]}
        files={[
          {
            path: '/opt/rocketchat/.env',
            mode: '0600',
            kind: 'file',
            description: 'release and admin',
            secret: true,
            change: 'create',
          },
          { path: '/root/nginx', mode: '0755', kind: 'dir', description: 'proxy stack', change: 'keep' },
        ]}
        commands={[{ command: 'docker compose up -d', description: 'start the containers' }]}
        notes={['"rocketchat" is already installed']}
      />,
    );
    const f = r.frame();
    expect(f).toContain('Review: installing Rocket.Chat');
    // With a question to come: a count of the plan, the lists one key away.
    expect(f).toContain('Files     2 (1 to create, 1 to keep); f lists them');
    expect(f).toContain('Commands  1; c lists them');
    expect(f).toContain('⚠ "rocketchat" is already installed');
    const all = render(
      <Review
        title="Rocket.Chat"
        answers={[['Domain', 'chat.example.com']]}
        files={[
          {
            path: '/opt/rocketchat/.env',
            mode: '0600',
            kind: 'file',
            description: 'release and admin',
            secret: true,
            change: 'create',
          },
          { path: '/root/nginx', mode: '0755', kind: 'dir', description: 'proxy stack', change: 'keep' },
        ]}
        commands={[{ command: 'docker compose up -d', description: 'start the containers' }]}
        notes={[]}
        full
      />,
    ).frame();
    expect(all).toContain(
      'create 0600 /opt/rocketchat/.env\n              release and admin (secret: not shown)',
    );
    expect(all).toContain('keep   0755 /root/nginx/');
    expect(all).toContain('  1. start the containers\n     docker compose up -d');
  });

  it('summary: URL, login shown once, where it is stored, next steps', () => {
    const props = {
      title: 'Rocket.Chat',
      version: '8.0.1',
      url: 'https://chat.example.com',
      link: 'https://chat.example.com',
      login: { username: 'admin', password: 's3cretPassw0rd', where: '/opt/rocketchat/.env (mode 0600)' },
      logPath: '/var/log/wizard/install.log',
      notes: ['Finish the workspace registration.'],
    };
    const first = render(<Summary {...props} showPassword />).frame();
    expect(first).toContain('✔ Rocket.Chat 8.0.1 is running.');
    expect(first).toContain('Open https://chat.example.com and log in as the first admin:');
    expect(first).toContain('password  s3cretPassw0rd');
    expect(first).toContain('stored in /opt/rocketchat/.env (mode 0600)');
    expect(first).toContain('Log of this run: /var/log/wizard/install.log');
    const again = render(<Summary {...props} showPassword={false} />).frame();
    expect(again).not.toContain('s3cretPassw0rd');
    expect(again).toContain('unchanged (not shown again)');
  });
});
