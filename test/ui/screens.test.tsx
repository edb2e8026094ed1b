import { describe, expect, it } from 'vitest';
import { Checklist } from '../../src/ui/Checklist.js';
import { Review } from '../../src/ui/Review.js';
import { Summary } from '../../src/ui/Summary.js';
import { render } from '../helpers/render.js';

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
            outcome: { id: 'git', title: 'git', status: 'ok', detail: 'git 2.43.0' },
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
