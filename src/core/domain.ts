import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

export type Validation<T> = { ok: true; value: T } | { ok: false; error: string; remedy: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Validates a domain as a public FQDN and returns its ASCII (punycode) form.
 * An IP address or `localhost` is accepted only when `allowLocal` is set (TLS mode none).
 */
export function validateDomain(input: string, opts: { allowLocal?: boolean } = {}): Validation<string> {
  const raw = input.trim().replace(/\.$/, '');
  if (raw === '')
    return {
      ok: false,
      error: 'The domain is empty.',
      remedy: 'Give the name users will type, e.g. chat.example.com.',
    };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) || raw.includes('/')) {
    return {
      ok: false,
      error: `"${input}" is a URL, not a domain.`,
      remedy: 'Give only the host name, e.g. chat.example.com (no https://, no path).',
    };
  }
  if (isIP(raw) || raw.toLowerCase() === 'localhost') {
    if (opts.allowLocal) return { ok: true, value: raw.toLowerCase() };
    return {
      ok: false,
      error: `"${raw}" is not a domain name; a certificate can't be issued for it.`,
      remedy: 'Use a domain that points at this server, or pass --tls none to run behind your own proxy.',
    };
  }
  // The URL standard reads a host of numbers (2130706433, 0x7f000001, 127.1, 0177.0.0.1) as an IPv4
  // address: refused in every form but the usual dotted one, which is judged above.
  const numeric = raw.split('.').every((label) => /^(?:0x[0-9a-f]*|\d+)$/i.test(label));
  if (numeric || isIP(domainToASCII(raw.toLowerCase()))) {
    return {
      ok: false,
      error: `"${input}" is an IP address written as a number or in a shortened form, not a domain name.`,
      remedy: opts.allowLocal
        ? 'Give a domain name, or the address in its dotted form (e.g. 127.0.0.1).'
        : 'Use a domain that points at this server, or pass --tls none to run behind your own proxy.',
    };
  }
  if (raw.includes(':'))
    return {
      ok: false,
      error: `"${input}" has a port or colon in it.`,
      remedy: 'Give the domain alone; the port is set with --port.',
    };
  if (/\.\d+$/.test(raw))
    return {
      ok: false,
      error: `"${input}" ends in a number, which no top-level domain does.`,
      remedy: 'Check the domain for typos.',
    };
  const ascii = domainToASCII(raw.toLowerCase());
  if (ascii === '')
    return {
      ok: false,
      error: `"${input}" is not a valid domain name.`,
      remedy: 'Use letters, digits and hyphens, with dots between labels, e.g. chat.example.com.',
    };
  if (ascii.length > 253)
    return { ok: false, error: `"${input}" is longer than 253 characters.`, remedy: 'Use a shorter domain.' };
  const labels = ascii.split('.');
  if (labels.length < 2) {
    return {
      ok: false,
      error: `"${input}" is not a fully qualified domain name.`,
      remedy: 'Give the full name with its zone, e.g. chat.example.com.',
    };
  }
  for (const label of labels) {
    if (!LABEL.test(label)) {
      return {
        ok: false,
        error: `"${input}" has an invalid label "${label}".`,
        remedy:
          'Each part between dots is 1-63 letters, digits or hyphens, and does not start or end with a hyphen.',
      };
    }
  }
  return { ok: true, value: ascii };
}

const EMAIL = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+$/;

/** Validates an email address for Let's Encrypt and the first admin; the domain part is normalised to ASCII. */
export function validateEmail(input: string): Validation<string> {
  const raw = input.trim();
  if (raw === '')
    return {
      ok: false,
      error: 'The email address is empty.',
      remedy: "Give an address you read: Let's Encrypt sends expiry warnings there.",
    };
  if (!EMAIL.test(raw) || raw.length > 254) {
    return {
      ok: false,
      error: `"${input}" is not an email address.`,
      remedy: 'Use the form name@example.com.',
    };
  }
  const at = raw.lastIndexOf('@');
  const local = raw.slice(0, at);
  const domain = validateDomain(raw.slice(at + 1));
  if (!domain.ok || local.length > 64) {
    return {
      ok: false,
      error: `"${input}" has an invalid domain part.`,
      remedy: 'Use the form name@example.com with a real domain.',
    };
  }
  return { ok: true, value: `${local}@${domain.value}` };
}
