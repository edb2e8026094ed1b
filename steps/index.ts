import type { Platform } from '../src/core/platform.js';
import chatmail from './chatmail/index.js';
import mastodon from './mastodon/index.js';
import mattermost from './mattermost/index.js';
import rocketchat from './rocketchat/index.js';

/** Every platform the wizard offers, in the order the question lists them. */
export const platforms: Platform[] = [rocketchat, mattermost, mastodon, chatmail];

export function findPlatform(id: string): Platform | undefined {
  return platforms.find((p) => p.id === id);
}

/** The shared reverse proxy, the one component every platform but chatmail (its own TLS) sits behind. */
export { proxy } from './proxy/index.js';
