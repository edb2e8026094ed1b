import type { DoctorCheck, Finding } from './doctor-types.js';
import { ok } from './doctor-types.js';

/** The install's stack: its containers, its local answer and its answer through the domain. */
export const stackChecks: DoctorCheck[] = [
  {
    id: 'containers',
    title: 'Containers',
    run(f) {
      const cmd = `cd ${f.dataDir} && docker compose up -d`;
      if ('error' in f.containers)
        return {
          id: 'containers',
          severity: 'fail',
          title: 'Containers',
          evidence: `docker compose ps failed: ${f.containers.error}`,
          remedy: 'Check that the Docker daemon runs: systemctl status docker',
        };
      if (f.containers.length === 0)
        return {
          id: 'containers',
          severity: 'fail',
          title: 'Containers',
          evidence: 'no containers exist for this install',
          remedy: cmd,
          fix: { kind: 'start-containers', description: 'start the containers' },
        };
      const out: Finding[] = [];
      for (const c of f.containers) {
        const id = `container.${c.service}`;
        const title = `Container ${c.service}`;
        // A crash loop is often caught between two starts, "running" for a moment: count the restarts.
        if (c.state === 'restarting' || (c.restartCount >= 3 && (c.state !== 'running' || !f.readiness.ok))) {
          out.push({
            id,
            severity: 'fail',
            title,
            evidence: `restart loop: ${c.restartCount} restarts${c.state === 'running' ? ', up again for now' : c.exitCode ? `, last exit code ${c.exitCode}` : ''}${c.oomKilled ? ', killed for lack of memory (OOMKilled)' : ''}`,
            remedy: `Read why it exits: wizard logs ${f.name} ${c.service} --tail 100`,
          });
        } else if (c.state !== 'running') {
          if (
            c.state === 'exited' &&
            c.exitCode === 0 &&
            c.restartPolicy !== 'always' &&
            c.restartPolicy !== 'unless-stopped'
          ) {
            out.push(ok(id, title, 'finished its one-time job (exit code 0)'));
          } else {
            out.push({
              id,
              severity: 'fail',
              title,
              evidence: `${c.state}, exit code ${c.exitCode}${c.oomKilled ? ', OOMKilled' : ''}`,
              remedy: cmd,
              fix: { kind: 'start-containers', description: `start ${c.service}` },
            });
          }
        } else if (c.health === 'unhealthy') {
          out.push({
            id,
            severity: 'fail',
            title,
            evidence: 'running but unhealthy',
            remedy: `wizard logs ${f.name} ${c.service} --tail 100`,
          });
        } else if (c.oomKilled || c.restartCount > 0) {
          out.push({
            id,
            severity: 'warn',
            title,
            evidence: `running, restarted ${c.restartCount} times${c.oomKilled ? ', last time OOMKilled' : ''}`,
            remedy: c.oomKilled ? 'Add memory or swap to this server.' : `wizard logs ${f.name} ${c.service}`,
          });
        } else {
          out.push(ok(id, title, `running${c.health ? ` (${c.health})` : ''}`));
        }
      }
      return out;
    },
  },
  {
    id: 'readiness',
    title: 'Answers locally',
    run(f) {
      const r = f.readiness;
      if (!r.ok)
        return {
          id: 'readiness',
          severity: 'fail',
          title: 'Answers locally',
          evidence: `${r.url}: ${r.detail}`,
          remedy: `wizard doctor ${f.name} --fix waits for it; the logs say why: wizard logs ${f.name}`,
          fix: { kind: 'wait-ready', description: 'wait until it answers' },
        };
      if (r.version && r.version !== f.release)
        return {
          id: 'readiness',
          severity: 'warn',
          title: 'Answers locally',
          evidence: `${r.url} answers with version ${r.version}, the state records ${f.release}`,
          remedy: f.upgradeJournal
            ? `wizard upgrade ${f.name} settles the interrupted upgrade.`
            : 'Run wizard install again to bring the state and the install together.',
        };
      return ok(
        'readiness',
        'Answers locally',
        `${r.url} answers${r.version ? ` (version ${r.version})` : ''}`,
      );
    },
  },
  {
    id: 'public',
    title: 'Answers through its domain',
    run(f) {
      const r = f.publicReadiness;
      if (!r) return undefined;
      if (!r.ok)
        return {
          id: 'public',
          severity: 'fail',
          title: 'Answers through its domain',
          evidence: `${r.url}: ${r.detail}`,
          remedy: f.ownTls
            ? `Check that DNS points ${f.domain} at this server and the firewall (80/443); it serves HTTPS itself: wizard logs ${f.name} --tail 100`
            : `Check DNS, the firewall (80/443) and the proxy: ${f.proxyLogs ?? 'its log'}`,
        };
      if (r.version && f.readiness.version && r.version !== f.readiness.version) {
        return {
          id: 'public',
          severity: 'fail',
          title: 'Answers through its domain',
          evidence: `${r.url} answers version ${r.version} but this server runs ${f.readiness.version}`,
          remedy: `DNS or a CDN points ${f.domain} elsewhere; point it at this server.`,
        };
      }
      return ok('public', 'Answers through its domain', `${r.url} answers`);
    },
  },
];
