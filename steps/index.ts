import type { Platform } from '../src/core/platform.js';
import rocketchat from './rocketchat/index.js';

/** Every platform the wizard offers, in the order the question lists them. */
export const platforms: Platform[] = [rocketchat];

export function findPlatform(id: string): Platform | undefined {
  return platforms.find((p) => p.id === id);
}
