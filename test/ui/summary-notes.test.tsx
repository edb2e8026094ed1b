import { renderToString } from 'ink';
import { describe, expect, it } from 'vitest';
import { Summary } from '../../src/ui/Summary.js';

describe('the summary of a platform without a login (the chatmail relay)', () => {
  const dkim = `opendkim._domainkey.chat.example.org.    3600   IN  TXT    "v=DKIM1;k=rsa;p=${'A'.repeat(300)};s=email;t=s"`;
  const props = {
    title: 'Chatmail relay',
    version: '1.12.0',
    url: 'https://chat.example.org',
    link: 'https://chat.example.org',
    action: 'to get a chat profile: scan its invite QR code with Delta Chat (https://get.delta.chat).',
    showPassword: true,
    logPath: '/var/log/wizard/install.log',
    notes: [
      `Set these DNS records at your DNS provider:\n; Required DNS entries\n${dkim}`,
      'Containers: cd /opt/chatmail && docker compose ps',
    ],
  };

  it('says what to do at the URL instead of "log in as the first admin"', () => {
    const text = renderToString(<Summary {...props} />, { columns: 80 });
    expect(text).toContain('Open https://chat.example.org to get a chat profile: scan its invite QR code');
    expect(text).not.toContain('first admin');
  });

  it("keeps a note's records whole on a narrow terminal, flush left, so they paste into a zone file", () => {
    const lines = renderToString(<Summary {...props} />, { columns: 80 }).split('\n');
    expect(lines).toContain('  • Set these DNS records at your DNS provider:');
    expect(lines).toContain('; Required DNS entries');
    expect(lines).toContain(dkim);
    expect(lines).toContain('  • Containers: cd /opt/chatmail && docker compose ps');
  });
});
