import type { InstallAnswers } from '../../src/core/platform.js';

/** The address users open: https behind the proxy (or the user's own), http on an address or localhost. */
export function rootUrl(a: Pick<InstallAnswers, 'domain' | 'tls' | 'port'>): string {
  if (a.tls !== 'none') return `https://${a.domain}`;
  // Behind the user's own proxy a real domain is served over https; an address or localhost is reached directly.
  return /^(localhost|[\d.]+|[0-9a-f:]+)$/i.test(a.domain)
    ? `http://${a.domain}:${a.port}`
    : `https://${a.domain}`;
}
