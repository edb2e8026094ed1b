/**
 * One redactor for every path out (log files, --json, the doctor bundle, error messages, the review): it knows
 * each registered secret in the forms it travels in, and masks credentials inside any URL or header.
 *
 * Pure: no I/O. A Redactor instance holds the secrets it was told about; the FileLogger owns one per run.
 */

export const REDACTED = '[redacted]';

/** Secrets shorter than this are not searched for: they would mask ordinary words. */
export const MIN_SECRET_LENGTH = 4;

const jsonEscape = (s: string) => JSON.stringify(s).slice(1, -1);

/** Go's encoding/json (docker inspect, compose --format json) also escapes <, > and & and U+2028/9. */
const goJsonEscape = (s: string) =>
  jsonEscape(s)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** JSON with every non-ASCII character as \uXXXX (Python's json.dumps, some loggers). */
const asciiJsonEscape = (s: string) =>
  jsonEscape(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** YAML's double-quoted style as Go's yaml writes it: JSON's escapes, and \UXXXXXXXX beyond the BMP. */
const yamlDoubleQuoted = (s: string) =>
  jsonEscape(s).replace(
    /[\u{10000}-\u{10ffff}]/gu,
    (c) => `\\U${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(8, '0')}`,
  );

/** The password part of a URL as the WHATWG URL parser writes it (it leaves %, $, & and more as they are). */
function userinfoEncoded(s: string): string | undefined {
  try {
    const u = new URL('http://host/');
    u.password = s;
    return u.password;
  } catch {
    return undefined;
  }
}

/**
 * The forms a secret takes on its way out: raw; JSON-escaped (once, twice, Go's and ASCII-only flavours) and
 * YAML double-quoted, each also with `$` doubled as Compose writes it; URL-encoded (component, form, userinfo, lower-case hex); shell-quoted (inside '...' and "..."); YAML's
 * single-quoted form. Forms shorter than MIN_SECRET_LENGTH are left out.
 */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const forms = new Set<string>([secret]);
  // `docker compose config` writes `$` as `$$` (so its output reads back the same), in YAML or JSON.
  for (const base of new Set([secret, secret.replace(/\$/g, '$$$$')])) {
    forms.add(base);
    const json = jsonEscape(base);
    forms.add(json);
    forms.add(jsonEscape(json));
    forms.add(goJsonEscape(base));
    forms.add(asciiJsonEscape(base));
    forms.add(jsonEscape(goJsonEscape(base)));
    forms.add(yamlDoubleQuoted(base));
  }
  const component = encodeURIComponent(secret);
  forms.add(component);
  forms.add(component.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()));
  forms.add(encodeURI(secret));
  forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
  const userinfo = userinfoEncoded(secret);
  if (userinfo) forms.add(userinfo);
  forms.add(secret.replace(/'/g, `'\\''`));
  forms.add(secret.replace(/["\\$`]/g, '\\$&'));
  forms.add(secret.replace(/'/g, "''"));
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A user name that is only a name (git, postgres, mmuser), not a token standing alone before the @. */
const PLAIN_USER = /^[a-z_][a-z0-9_.-]{0,31}$/;

/** scheme://userinfo@ : the password (or a token standing alone as the user) is replaced. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#"<>`]+)@/gi;
/** ?token=... &password=... and the like in query strings (and form bodies). */
const QUERY_SECRET =
  /([?&;](?:[a-z0-9]+[_.-])*(?:token|passw(?:or)?d|pass|pwd|secret|api[_-]?key|apikey|key|auth|sig|signature|credentials?)=)([^&\s#"'<>`]+)/gi;
/** Authorization headers. */
const AUTH_HEADER = /\b((?:proxy-)?authorization:\s*(?:basic|bearer|token|digest)?\s*)([^\s"'`]+)/gi;

/** Credentials inside URLs and headers, whoever they belong to: user:pass@, tokens in query strings, Authorization. */
export function redactUrlCredentials(text: string): string {
  return text
    .replace(URL_USERINFO, (_m, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      if (colon >= 0) {
        const user = userinfo.slice(0, colon);
        return `${scheme}${user === '' || PLAIN_USER.test(user) ? user : REDACTED}:${REDACTED}@`;
      }
      return `${scheme}${PLAIN_USER.test(userinfo) ? userinfo : REDACTED}@`;
    })
    .replace(QUERY_SECRET, (_m, key: string) => `${key}${REDACTED}`)
    .replace(AUTH_HEADER, (_m, head: string) => `${head}${REDACTED}`);
}

/** The credentials inside a URL (its password, or a token standing alone as the user), as written and decoded. */
export function urlSecrets(url: string): string[] {
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)@/i.exec(url.trim());
  if (!m?.[1]) return [];
  const userinfo = m[1];
  const colon = userinfo.indexOf(':');
  const parts = colon >= 0 ? [userinfo.slice(colon + 1)] : PLAIN_USER.test(userinfo) ? [] : [userinfo];
  if (colon >= 0 && !PLAIN_USER.test(userinfo.slice(0, colon))) parts.push(userinfo.slice(0, colon));
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return [...new Set(parts.flatMap((p) => [p, decode(p)]))].filter((p) => p.length >= MIN_SECRET_LENGTH);
}

/** A URL with its credentials masked, for showing (the review, notes, errors). */
export function maskUrl(url: string): string {
  return redactUrlCredentials(url);
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** Learns a secret; every later redact() masks it in each of its forms. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    const forms = [...new Set([...this.secrets].flatMap(secretForms))].sort((a, b) => b.length - a.length);
    this.pattern = forms.length ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    const known = this.pattern ? text.replace(this.pattern, REDACTED) : text;
    return redactUrlCredentials(known);
  }
}

/** Applies `redact` to every string inside a value (objects, arrays), e.g. a --json document or screen props. */
export function redactDeep<T>(value: T, redact: (s: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactDeep(v, redact)]),
    ) as T;
  }
  return value;
}
