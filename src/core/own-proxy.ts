import type { InstallAnswers, Platform } from './platform.js';

/** Largest request body the shared proxy lets through (its site's client_max_body_size). */
export const PROXY_MAX_BODY = '200M';

/**
 * Under --tls none the app answers on 127.0.0.1 only: what the user's own proxy must do for the URL to answer.
 * Built from the platform's data (its routes and what it needs), so the summary says what the shared proxy
 * would have done. undefined when no proxy is needed (the URL is the local port itself) or the platform serves
 * TLS itself.
 */
export function ownProxyNeeds(
  platform: Pick<Platform, 'proxyLocations' | 'proxyNeeds' | 'ownTls'>,
  answers: Pick<InstallAnswers, 'tls' | 'domain' | 'port'>,
  url: string,
): { intro: string; items: string[] } | undefined {
  if (answers.tls !== 'none' || platform.ownTls || !url.startsWith('https://')) return undefined;
  const needs = platform.proxyNeeds ?? { websockets: [], headers: ['Host', 'X-Forwarded-For'] };
  const locations = platform.proxyLocations?.(answers as InstallAnswers) ?? [
    { path: '/', port: answers.port },
  ];
  // A websocket path belongs to the most specific location that routes it.
  const owner = (w: string) =>
    locations.filter((l) => w.startsWith(l.path)).sort((a, b) => b.path.length - a.path.length)[0];
  const ws = (l: (typeof locations)[number]) => needs.websockets.filter((w) => owner(w) === l);
  return {
    intro: `Nothing answers at ${url} until your own proxy does (--tls none): it terminates TLS for ${answers.domain} and`,
    items: [
      ...locations.map(
        (l) =>
          `forwards ${l.path} to 127.0.0.1:${l.port}${ws(l).length > 0 ? `, with websockets on ${ws(l).join(', ')} (pass Upgrade and Connection)` : ''}${l.buffering === false ? ', unbuffered' : ''}`,
      ),
      `sets the headers ${needs.headers.join(', ')}${needs.note ? ` (${needs.note})` : ''}`,
      `lets uploads through up to ${PROXY_MAX_BODY} (nginx: client_max_body_size ${PROXY_MAX_BODY})`,
    ],
  };
}
