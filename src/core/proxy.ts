import type { AcmeLogGrammar } from './acme.js';
import type { FileSpec } from './plan.js';
import type { PlanInput, ProxyLocation } from './platform.js';

/**
 * The shared reverse proxy as the spine sees it: a component with a small contract, like a platform.
 * steps/proxy implements it and steps/index.ts hands it out; src/ never imports steps/proxy itself.
 */
export interface ProxyComponent {
  /** Its compose folder and its data folder (host paths before WIZARD_ROOT). */
  dir: string;
  dataDir: string;
  image: string;
  /** The host ports it publishes (network_mode host). */
  ports: number[];
  /** Its compose project name, from the install's project-name rule. */
  project(project: (name: string) => string): string;
  /** `docker compose ARGS` on the proxy stack (dir: the real path of `dir`). */
  composeCommand(dir: string, project: string, args: string[]): { file: string; args: string[]; cwd: string };
  /** Pure: its files for one install (shared files are rewritten identically by every install). */
  files(input: PlanInput, site: { title: string; locations: ProxyLocation[] }): FileSpec[];
  /** The site file that serves one domain. */
  siteFile(domain: string): string;
  /** `compose` arguments: its recent log (bounded), and the retry (reload + request missing certificates). */
  logArgs: string[];
  retryArgs: string[];
  /** How its certificate client reports a request, and the issuer a real certificate names. */
  acme: AcmeLogGrammar;
  issuer: RegExp;
}
