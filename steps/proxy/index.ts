import { composeLiteral } from '../../src/core/compose.js';
import { quoteEnvValue } from '../../src/core/envfile.js';
import { PROXY_MAX_BODY } from '../../src/core/own-proxy.js';
import type { CommandSpec, FileSpec } from '../../src/core/plan.js';
import type { InstallAnswers, PlanInput, ProxyLocation } from '../../src/core/platform.js';
import type { ProxyComponent } from '../../src/core/proxy.js';
import type { Step, StepInput } from '../../src/core/step.js';
import { renderTemplate } from '../../src/core/template.js';
import { writeFiles } from '../../src/engine/tasks.js';
import { certbotGrammar, LETS_ENCRYPT_ISSUER } from './acme.js';

/**
 * The shared reverse proxy: one jonasal/nginx-certbot container on the host network in /root/nginx,
 * terminating TLS (Let's Encrypt, or a local CA for --tls selfsigned) for every install's domain.
 */
export const PROXY_DIR = '/root/nginx';
export const PROXY_DATA_DIR = '/data/nginx';
export const PROXY_SITES_DIR = `${PROXY_DATA_DIR}/user_conf.d`;
export const PROXY_IMAGE = 'jonasal/nginx-certbot:latest';
export const PROXY_PORTS = [80, 443];
export const PROXY_TEMPLATES = [
  'proxy/compose.yml',
  'proxy/nginx-certbot.env',
  'proxy/00-wizard-common.conf',
  'proxy/site.conf',
  'proxy/location.conf',
];

export function siteFile(domain: string): string {
  return `${PROXY_SITES_DIR}/${domain}.conf`;
}

export function renderSite(
  templates: PlanInput['templates'],
  args: { title: string; name: string; domain: string; locations: ProxyLocation[]; maxBodySize?: string },
): string {
  const locations = args.locations
    .map((l) =>
      renderTemplate(templates('proxy/location.conf'), {
        path: l.path,
        port: l.port,
        buffering: l.buffering === false ? 'off' : 'on',
      }),
    )
    .join('');
  return renderTemplate(templates('proxy/site.conf'), {
    title: args.title,
    name: args.name,
    domain: args.domain,
    maxBodySize: args.maxBodySize ?? PROXY_MAX_BODY,
    locations: locations.replace(/\n$/, ''),
  });
}

/** Pure: the proxy's files for one install (shared files are rewritten identically by every install). */
export function proxyFiles(
  input: PlanInput,
  site: { title: string; locations: ProxyLocation[] },
): FileSpec[] {
  const a: InstallAnswers = input.answers;
  const t = input.templates;
  return [
    { kind: 'dir', path: PROXY_DIR, mode: 0o755, owner: { uid: 0, gid: 0 }, description: 'proxy stack' },
    {
      kind: 'file',
      path: `${PROXY_DIR}/compose.yml`,
      mode: 0o644,
      owner: { uid: 0, gid: 0 },
      content: renderTemplate(t('proxy/compose.yml'), {
        image: PROXY_IMAGE,
        envFile: composeLiteral(input.hostPath(`${PROXY_DATA_DIR}/nginx-certbot.env`)),
        userConfDir: composeLiteral(input.hostPath(PROXY_SITES_DIR)),
      }),
      description: 'nginx + certbot proxy (network_mode host)',
    },
    { kind: 'dir', path: PROXY_SITES_DIR, mode: 0o755, description: 'proxy sites' },
    {
      kind: 'file',
      path: `${PROXY_DATA_DIR}/nginx-certbot.env`,
      mode: 0o644,
      content: renderTemplate(t('proxy/nginx-certbot.env'), {
        // Compose reads this file and expands `$` in bare values: quoted, a${HOME}@example.com stays as it is.
        email: quoteEnvValue(a.email, 'CERTBOT_EMAIL'),
        useLocalCa: a.tls === 'selfsigned' ? 1 : 0,
      }),
      description:
        a.tls === 'selfsigned' ? 'proxy settings (local CA)' : "proxy settings (Let's Encrypt email)",
    },
    {
      kind: 'file',
      path: `${PROXY_SITES_DIR}/00-wizard-common.conf`,
      mode: 0o644,
      content: t('proxy/00-wizard-common.conf'),
      description: 'websocket upgrade map',
    },
    {
      kind: 'file',
      path: siteFile(a.domain),
      mode: 0o644,
      content: renderSite(t, {
        title: site.title,
        name: a.name,
        domain: a.domain,
        locations: site.locations,
      }),
      description: `site for ${a.domain}`,
    },
  ];
}

export function proxyProject(project: (name: string) => string): string {
  return project('wizard-proxy');
}

/** `docker compose ARGS` on the proxy stack (dir: the real path of PROXY_DIR). */
export function proxyComposeCommand(dir: string, project: string, args: string[]) {
  return {
    file: 'docker',
    args: ['compose', '--project-name', project, '-f', `${dir}/compose.yml`, ...args],
    cwd: dir,
  };
}

/** The proxy's recent log, bounded in time and lines, as certbot wrote it (timestamps, no prefix). */
export const PROXY_LOG_ARGS = [
  'logs',
  '--no-color',
  '--no-log-prefix',
  '--timestamps',
  '--since',
  '72h',
  '--tail',
  '3000',
  'nginx',
];
/** nginx-certbot reloads nginx and requests missing certificates on SIGHUP. */
export const PROXY_RETRY_ARGS = ['kill', '-s', 'SIGHUP', 'nginx'];

/**
 * Writes the proxy's files, starts (or keeps) the proxy and makes it load the new site and request its
 * certificate; none of it under --tls none (the user's own proxy).
 */
export function proxySteps(s: StepInput): Step[] {
  if (s.answers.tls === 'none') return [];
  const compose = (args: string[]) => proxyComposeCommand(s.files.real(PROXY_DIR), s.proxyProject, args);
  const up: CommandSpec = {
    ...compose(['up', '-d', ...(s.answers.offline ? ['--pull', 'never'] : [])]),
    description: 'start the shared proxy (kept when it runs)',
    remedy: 'Ports 80 and 443 must be free for the proxy.',
  };
  const reload: CommandSpec = {
    ...compose(PROXY_RETRY_ARGS),
    description: 'make nginx load the new site and certbot request its certificate',
  };
  return [
    writeFiles(s, 'Write the proxy configuration', PROXY_DIR),
    writeFiles(s, 'Write the proxy site', PROXY_DATA_DIR),
    {
      id: 'proxy:up',
      title: 'Start the proxy',
      commands: [up, reload],
      done:
        s.answers.tls === 'selfsigned'
          ? 'Started the proxy (certificate from a local CA)'
          : "Started the proxy (Let's Encrypt certificate requested)",
    },
  ];
}

/** The proxy as the spine calls it (src/core/proxy.ts's contract). */
export const proxy: ProxyComponent = {
  dir: PROXY_DIR,
  dataDir: PROXY_DATA_DIR,
  image: PROXY_IMAGE,
  ports: PROXY_PORTS,
  project: proxyProject,
  composeCommand: proxyComposeCommand,
  files: proxyFiles,
  siteFile,
  logArgs: PROXY_LOG_ARGS,
  retryArgs: PROXY_RETRY_ARGS,
  acme: certbotGrammar,
  issuer: LETS_ENCRYPT_ISSUER,
};
