import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withDefaults } from '../../src/core/answers.js';
import type { Platform } from '../../src/core/platform.js';
import { templateLoader } from '../../src/system/assets.js';
import { findPlatform } from '../../steps/index.js';
import { proxyFiles } from '../../steps/proxy/index.js';
import { tmpRoot } from '../helpers/tmp.js';

/**
 * The proxy site the wizard writes must load in nginx. Debian's nginx checks it (`nginx -t`) with a test
 * certificate; only the /etc/letsencrypt prefix is moved into the temp dir, the rest is the file as written.
 */
describe('the generated nginx site', () => {
  it.each(['chat.example.com', 'xn--bcher-kva.example'])('passes nginx -t for %s', (domain) => {
    const dir = tmpRoot('wizard-nginx-');
    const platform = findPlatform('rocketchat') as Platform;
    const answers = withDefaults(
      {
        platform: 'rocketchat',
        domain,
        email: 'admin@example.com',
        tls: 'letsencrypt',
        port: 3105,
        extra: {},
      },
      platform,
    );
    const files = proxyFiles(
      {
        answers,
        existing: {},
        templates: templateLoader(),
        project: 'p',
        hostPath: (p) => p,
        generateSecret: () => 'x',
      },
      { title: platform.title, locations: [{ path: '/', port: 3105 }] },
    );
    const le = join(dir, 'letsencrypt');
    const live = join(le, 'live', domain);
    mkdirSync(live, { recursive: true });
    mkdirSync(join(le, 'dhparams'), { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${domain}`,
        '-keyout',
        join(live, 'privkey.pem'),
        '-out',
        join(live, 'fullchain.pem'),
      ],
      { stdio: 'ignore' },
    );
    execFileSync('cp', [join(live, 'fullchain.pem'), join(live, 'chain.pem')]);
    execFileSync('openssl', ['dhparam', '-dsaparam', '-out', join(le, 'dhparams', 'dhparam.pem'), '2048'], {
      stdio: 'ignore',
    });
    const confd = join(dir, 'user_conf.d');
    mkdirSync(confd);
    for (const f of files.filter((f) => f.kind === 'file' && f.path.startsWith('/data/nginx/user_conf.d/'))) {
      writeFileSync(
        join(confd, f.path.split('/').pop() ?? ''),
        (f.content ?? '').replaceAll('/etc/letsencrypt/', `${le}/`),
      );
    }
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${dir}/nginx.pid;\nerror_log stderr;\nevents {}\nhttp {\n  access_log off;\n  include ${confd}/*.conf;\n}\n`,
    );
    const r = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
    expect(r.stderr).toContain('syntax is ok');
    expect(r.stderr).toContain('test is successful');
    expect(r.status).toBe(0);
  });
});
