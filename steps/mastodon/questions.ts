import { type Validation, validateEmail } from '../../src/core/domain.js';
import type { Question } from '../../src/core/platform.js';
import { hasSmtp } from './env.js';

/** Mastodon's default reserved_usernames (config/settings.yml): `tootctl accounts create` refuses them. */
const RESERVED = ['admin', 'support', 'help', 'root', 'webmaster', 'administrator', 'mod', 'moderator'];

export function validateUsername(v: string): Validation<string> {
  const name = v.trim();
  if (!/^[a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?$/i.test(name) || name.length > 30) {
    return {
      ok: false,
      error: `"${v}" is not a valid Mastodon username.`,
      remedy: 'Use up to 30 letters, digits and underscores (dots and dashes inside), e.g. owner.',
    };
  }
  if (RESERVED.includes(name.toLowerCase())) {
    return {
      ok: false,
      error: `"${name}" is reserved on Mastodon.`,
      remedy: `Choose another owner username, e.g. owner (reserved: ${RESERVED.join(', ')}).`,
    };
  }
  return { ok: true, value: name };
}

function validatePort(what: string, min: number) {
  return (v: string): Validation<string> => {
    const n = /^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN;
    if (Number.isInteger(n) && n >= min && n <= 65535) return { ok: true, value: String(n) };
    return {
      ok: false,
      error: `"${v}" is not a valid ${what}.`,
      remedy: `Use a number from ${min} to 65535.`,
    };
  };
}

function validateSmtpHost(v: string): Validation<string> {
  const host = v.trim().toLowerCase();
  if (host === '' || host === 'none') return { ok: true, value: 'none' };
  if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host) && !host.includes('..')) return { ok: true, value: host };
  return {
    ok: false,
    error: `"${v}" is not an SMTP server name.`,
    remedy: 'Give a host name such as smtp.example.com (no port: that is --smtp-port), or none.',
  };
}

function validateFrom(v: string): Validation<string> {
  if (v.trim() === '') return { ok: true, value: '' };
  return validateEmail(v);
}

export const questions: Question[] = [
  {
    key: 'ownerUsername',
    flag: '--owner-username',
    env: 'WIZARD_OWNER_USERNAME',
    message: 'Owner username:',
    description: "Mastodon's owner account, created with tootctl (default owner)",
    default: 'owner',
    validate: validateUsername,
  },
  {
    key: 'streamingPort',
    flag: '--streaming-port',
    env: 'WIZARD_STREAMING_PORT',
    message: 'Streaming API port:',
    description: "Mastodon's streaming API port on 127.0.0.1 (default 4000; the web app uses --port)",
    default: '4000',
    validate: validatePort('port', 1024),
  },
  {
    key: 'smtpHost',
    flag: '--smtp-host',
    env: 'WIZARD_SMTP_HOST',
    message: 'SMTP server:',
    description: 'SMTP server for outgoing mail, or none (default none: no mail is sent)',
    default: 'none',
    validate: validateSmtpHost,
  },
  {
    key: 'smtpPort',
    flag: '--smtp-port',
    env: 'WIZARD_SMTP_PORT',
    message: 'SMTP port:',
    description: 'SMTP port (default 587)',
    default: '587',
    validate: validatePort('SMTP port', 1),
    when: hasSmtp,
  },
  {
    key: 'smtpLogin',
    flag: '--smtp-login',
    env: 'WIZARD_SMTP_LOGIN',
    message: 'SMTP login:',
    description: 'SMTP login (default none)',
    default: '',
    when: hasSmtp,
  },
  {
    key: 'smtpPassword',
    flag: '--smtp-password',
    env: 'WIZARD_SMTP_PASSWORD',
    message: 'SMTP password:',
    description: 'SMTP password (prefer the env var to the flag)',
    default: '',
    secret: true,
    when: hasSmtp,
  },
  {
    key: 'smtpFrom',
    flag: '--smtp-from',
    env: 'WIZARD_SMTP_FROM',
    message: 'Sender address:',
    description: 'sender address of outgoing mail (default notifications@DOMAIN)',
    default: '',
    validate: validateFrom,
    when: hasSmtp,
  },
];
