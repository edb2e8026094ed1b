import type { DoctorCheck, Finding, InstallFacts } from './doctor-types.js';
import { ok } from './doctor-types.js';
import { beforeSwitch, describeJournal } from './upgrade-journal.js';

/** What the install holds on the host: folder owners, an interrupted upgrade, its ports, its secret files. */
export const hostStateChecks: DoctorCheck[] = [
  {
    id: 'ownership',
    title: 'Folder owners',
    run(f) {
      if (!f.ownedPaths?.length) return undefined;
      const out: Finding[] = [];
      for (const { path, want, actual } of f.ownedPaths) {
        if (!actual || (actual.uid === want.uid && actual.gid === want.gid)) continue;
        const cmd = `chown -R ${want.uid}:${want.gid} ${path}`;
        out.push({
          id: 'ownership',
          severity: 'fail',
          title: 'Folder owners',
          evidence: `${path} is owned by ${actual.uid}:${actual.gid}, the container's user is ${want.uid}:${want.gid}`,
          remedy: `${cmd}, then: cd ${f.dataDir} && docker compose restart`,
          fix: { kind: 'chown', path, uid: want.uid, gid: want.gid, description: cmd },
        });
      }
      return out.length
        ? out
        : ok(
            'ownership',
            'Folder owners',
            `${f.ownedPaths.length} folder(s) owned by their container's user`,
          );
    },
  },
  {
    id: 'upgrade-interrupted',
    title: 'Upgrade',
    run(f) {
      const j = f.upgradeJournal;
      if (!j) return undefined;
      // Before the switch nothing changed (the old release runs); during it, either release may be in place.
      return {
        id: 'upgrade-interrupted',
        severity: beforeSwitch(j) ? 'warn' : 'fail',
        title: 'Upgrade',
        evidence: describeJournal(j),
        remedy: `wizard upgrade ${f.name} (it resumes or rolls back first)`,
      };
    },
  },
  {
    id: 'ports',
    title: 'Ports',
    run(f) {
      if (!f.portHolders?.length) return undefined;
      // Docker's userland proxy publishes a container's port; a process inside a container serves host networking.
      const ours = (h: NonNullable<InstallFacts['portHolders']>[number]) =>
        h.container || h.process === 'docker-proxy';
      const held = f.portHolders.filter((h) => h.process !== undefined || h.pid !== undefined);
      const strangers = held.filter((h) => !ours(h));
      if (strangers.length === 0)
        return ok(
          'ports',
          'Ports',
          held.length
            ? held.map((h) => `${h.port} (${h.process ?? 'a container'})`).join(', ')
            : 'none held yet',
        );
      return strangers.map((h) => ({
        id: 'ports',
        severity: 'fail' as const,
        title: 'Ports',
        evidence: `${h.port} is held by ${h.process ?? 'an unknown process'}${h.pid ? ` (pid ${h.pid})` : ''}, not by this install's containers`,
        remedy:
          h.process &&
          /^(nginx|apache2|httpd|caddy|traefik|haproxy|postfix|master|exim|dovecot|systemd-resolve)/.test(
            h.process,
          )
            ? `Stop it: systemctl disable --now ${h.process === 'master' ? 'postfix' : h.process === 'systemd-resolve' ? 'systemd-resolved' : h.process}; then: cd ${f.dataDir} && docker compose up -d`
            : `Stop the process${h.pid ? ` (kill ${h.pid})` : ''} or give the install another port (wizard install --name ${f.name} --port N); then: cd ${f.dataDir} && docker compose up -d`,
      }));
    },
  },
  {
    id: 'secret-modes',
    title: 'Secret files',
    run(f) {
      const out: Finding[] = [];
      for (const [path, mode] of Object.entries(f.secretFileModes)) {
        if (mode === undefined)
          out.push({
            id: 'secret-modes',
            severity: 'fail',
            title: 'Secret files',
            evidence: `${path} is missing`,
            remedy: 'Run wizard install again: it rewrites missing files with the recorded answers.',
          });
        else if ((mode & 0o077) !== 0) {
          out.push({
            id: 'secret-modes',
            severity: 'fail',
            title: 'Secret files',
            evidence: `${path} is mode 0${(mode & 0o777).toString(8)}: others can read its secrets`,
            remedy: `chmod 600 ${path}`,
            fix: { kind: 'chmod', path, mode: 0o600, description: `chmod 600 ${path}` },
          });
        }
      }
      return out.length
        ? out
        : ok('secret-modes', 'Secret files', `${Object.keys(f.secretFileModes).length} file(s) at 0600`);
    },
  },
];
