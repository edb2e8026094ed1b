import { Redactor } from './redact.js';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Email addresses, replaced in what the bundle holds. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL, '[email]');
}

/** Replaces every secret (in each of its forms), URL credentials and every email address. */
export function redact(text: string, secrets: string[]): string {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return redactEmails(r.redact(text));
}

/**
 * Values in an env file that are secret: the platform's secret keys, anything named like one, and the password
 * inside any URL value (DATABASE_URL, REDIS_URL, a datasource), decoded.
 */
export function secretValues(env: Record<string, string>, secretKeys: string[]): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) {
    if (!v) continue;
    if (secretKeys.includes(k) || /PASS|SECRET|TOKEN|PRIVATE|_KEY$|SALT|CREDENTIAL/i.test(k)) out.push(v);
    const password = urlPassword(v);
    if (password) out.push(password);
  }
  return out;
}

function urlPassword(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(value)) return undefined;
  try {
    const u = new URL(value);
    if (!u.password) return undefined;
    try {
      return decodeURIComponent(u.password);
    } catch {
      return u.password;
    }
  } catch {
    return undefined;
  }
}
