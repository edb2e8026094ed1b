import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import { ownProxyNeeds } from '../../src/core/own-proxy.js';
import type { Platform } from '../../src/core/platform.js';
import { Summary, type SummaryProps } from '../../src/ui/Summary.js';
import { findPlatform, platforms } from '../../steps/index.js';
import { renderLines } from '../helpers/render.js';

const qr = (url: string) => QRCode.toString(url, { type: 'terminal', small: true });

function props(over: Partial<SummaryProps> = {}): SummaryProps {
  return {
    title: 'Rocket.Chat',
    version: '8.0.1',
    url: 'https://chat.example.com',
    link: 'https://chat.example.com',
    login: {
      username: 'admin',
      password: 'pejBvURbnnhSttGjYKbi5pNr',
      where: '/opt/rocketchat/.env (ADMIN_USERNAME, ADMIN_PASS; mode 0600)',
    },
    showPassword: true,
    logPath: '/var/log/wizard/install-20261122-055141-15025.log',
    notes: [
      'Log in and finish the workspace registration under Administration > Workspace.',
      'Containers: cd /opt/rocketchat && docker compose ps',
    ],
    ...over,
  };
}

/** What a terminal of `rows` rows shows when the wizard is done: the last rows, the shell's prompt below. */
const lastScreen = (lines: string[], rows: number) => lines.slice(-(rows - 1));

describe('the summary at 80x24', () => {
  it('ends with the URL, the login, the password and where it is stored, under the QR code', async () => {
    const lines = renderLines(
      <Summary {...props({ qr: await qr('https://chat.example.com') })} width={80} rows={24} />,
      80,
    );
    const screen = lastScreen(lines, 24);
    expect(screen).toContain('Open https://chat.example.com and log in as the first admin:');
    expect(screen).toContain('  username  admin');
    expect(screen).toContain('  password  pejBvURbnnhSttGjYKbi5pNr');
    expect(screen).toContain('  stored in /opt/rocketchat/.env (ADMIN_USERNAME, ADMIN_PASS; mode 0600)');
    expect(screen.at(-1)).toMatch(/^ {2}stored in /);
    // The QR code is drawn, above them.
    expect(screen.join('\n')).toContain('▄▄▄▄▄▄▄');
    expect(screen.findIndex((l) => l.includes('▄▄▄▄▄▄▄'))).toBeLessThan(
      screen.findIndex((l) => l.startsWith('Open')),
    );
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
  });

  it('never breaks the log path inside: too long for the line, it goes whole on a line of its own', async () => {
    const logPath = '/tmp/wizard-e2e-chatmail-3c0488/var/log/wizard/install-20261204-111530-12345.log';
    const lines = renderLines(<Summary {...props({ logPath })} width={80} rows={24} />, 80);
    const at = lines.findIndex((l) => l.trim() === 'Log of this run:');
    expect(at).toBeGreaterThan(-1);
    expect(lines[at + 1]?.trim()).toBe(logPath);
  });

  it('leaves out a QR code too tall to fit with the login, and says how many rows it needs', async () => {
    const url = 'https://a-very-long-subdomain.chat-server.example.org';
    const lines = renderLines(
      <Summary {...props({ url, link: url, qr: await qr(url) })} width={80} rows={24} />,
      80,
    );
    const screen = lastScreen(lines, 24);
    expect(lines.join('\n')).not.toContain('▄▄▄▄▄▄▄');
    expect(lines.join('\n')).toMatch(/\(The URL's QR code needs \d+ rows\.\)/);
    expect(screen.join(' ').replace(/\s+/g, ' ')).toContain(`Open ${url} and log in as the first admin:`);
    expect(screen).toContain('  password  pejBvURbnnhSttGjYKbi5pNr');
  });

  it('wraps every line at 60 columns with a hanging indent', () => {
    const lines = renderLines(
      <Summary
        {...props({
          login: {
            username: 'admin',
            password: 'pejBvURbnnhSttGjYKbi5pNr',
            where: '/tmp/wizard-e2e-Xy12ab/opt/rocketchat/.env (ADMIN_USERNAME, ADMIN_PASS; mode 0600)',
          },
        })}
        width={60}
      />,
      60,
    );
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(60);
    const stored = lines.findIndex((l) => l.startsWith('  stored in '));
    expect(lines[stored + 1]).toMatch(/^ {12}\S/);
    const note = lines.findIndex((l) => l.startsWith('  • Log in and finish'));
    expect(lines[note + 1]).toMatch(/^ {4}\S/);
  });
});

describe('with --tls none, the summary says what your own proxy must do', () => {
  const withProxy = platforms.filter((p) => !p.ownTls);

  for (const platform of withProxy) {
    it(platform.title, () => {
      const answers = withDefaults(
        {
          platform: platform.id,
          domain: 'chat.example.com',
          email: 'admin@example.com',
          tls: 'none',
          extra: {},
        },
        platform,
      );
      const summary = platform.summary(answers, {}, (p) => p);
      expect(summary.url).toBe('https://chat.example.com');
      const ownProxy = ownProxyNeeds(platform, answers, summary.url);
      expect(ownProxy).toBeDefined();
      const lines = renderLines(
        <Summary
          {...props({ title: platform.title, url: summary.url, link: summary.url, notes: summary.notes })}
          {...(ownProxy ? { ownProxy } : {})}
        />,
        80,
      );
      const text = lines.join(' ').replace(/\s+/g, ' ');
      expect(text).toContain(
        'Nothing answers at https://chat.example.com until your own proxy does (--tls none)',
      );
      expect(text).toContain(`forwards / to 127.0.0.1:${answers.port}`);
      expect(text).toMatch(/with websockets on \/[^(]+\(pass Upgrade and Connection\)/);
      expect(text).toMatch(/sets the headers Host, .*X-Forwarded-For, X-Forwarded-Proto: https/);
      expect(text).toContain('client_max_body_size 200M');
      // The login stays last.
      expect(lines.at(-1)).toMatch(/^ {2}stored in /);
    });
  }

  it('Mastodon: its streaming API on its own port, with websockets, unbuffered; / to the web port', () => {
    const mastodon = findPlatform('mastodon') as Platform;
    const answers = withDefaults(
      { platform: 'mastodon', domain: 'social.example.com', email: 'a@example.com', tls: 'none', extra: {} },
      mastodon,
    );
    const need = ownProxyNeeds(mastodon, answers, 'https://social.example.com');
    expect(need?.items).toEqual([
      'forwards /api/v1/streaming to 127.0.0.1:4000, with websockets on /api/v1/streaming (pass Upgrade and Connection), unbuffered',
      'forwards / to 127.0.0.1:3000',
      'sets the headers Host, X-Forwarded-For, X-Forwarded-Proto: https (Mastodon answers over https only and redirects plain http)',
      'lets uploads through up to 200M (nginx: client_max_body_size 200M)',
    ]);
  });

  it('says nothing when the URL is the local port itself (localhost), or when the shared proxy runs', () => {
    const rc = findPlatform('rocketchat') as Platform;
    const local = withDefaults(
      { platform: 'rocketchat', domain: 'localhost', email: 'a@example.com', tls: 'none', extra: {} },
      rc,
    );
    expect(ownProxyNeeds(rc, local, rc.summary(local, {}, (p) => p).url)).toBeUndefined();
    const proxied = { ...local, domain: 'chat.example.com', tls: 'letsencrypt' as const };
    expect(ownProxyNeeds(rc, proxied, 'https://chat.example.com')).toBeUndefined();
  });

  it('the chatmail relay refuses --tls none: it serves TLS itself', () => {
    const chatmail = findPlatform('chatmail') as Platform;
    expect(chatmail.validateAnswers?.({ tls: 'none' })[0]?.error).toContain('--tls none does not apply');
    expect(
      ownProxyNeeds(
        chatmail,
        { tls: 'none', domain: 'chat.example.org', port: 443 },
        'https://chat.example.org',
      ),
    ).toBeUndefined();
  });
});
