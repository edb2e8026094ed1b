import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
import type { BackupRecord, BackupSchedule } from '../core/backup.js';
import type { InstallAnswers } from '../core/platform.js';
import type { UpgradeJournal } from '../core/upgrade-journal.js';
import type { FirewallChange } from './firewall.js';

/** One install as the state records it (no secrets: those stay in the install's 0600 env file). */
export interface InstallRecord {
  name: string;
  platform: string;
  domain: string;
  email: string;
  dataDir: string;
  release: string;
  tls: InstallAnswers['tls'];
  port: number;
  repoUrl: string;
  project: string;
  composeFiles: string[];
  status: 'installing' | 'installed' | 'failed';
  journal: Record<string, string>;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
  installedAt?: string;
  /** The platform's own answers (secret ones left out), reused by a re-run that does not give them again. */
  extra?: Record<string, string>;
  /** Upgrades, oldest first. */
  history?: { from: string; to: string; result: string; backup?: string | undefined; at: string }[];
  /** An upgrade under way (or interrupted): written before each phase, cleared when its step ends. */
  upgradeJournal?: UpgradeJournal | undefined;
  /** Host readiness: firewall ports and swap the wizard added, certificate requests (doctor verifies them). */
  readiness?: {
    firewall?: FirewallChange[];
    swap?: { path: string; mib: number; at: string };
    leAttempts?: { at: string; ok: boolean }[];
  };
  /** `wizard backup --schedule`: the timer that backs it up, and where to. */
  backupSchedule?: BackupSchedule | undefined;
  /** The restic repository its backups are also stored in (the last `--repo`). */
  backupRepo?: string | undefined;
}

interface StateShape {
  schema: number;
  installs: Record<string, InstallRecord>;
  /** Every backup the wizard wrote, with its SHA-256 (a restore checks it); kept after an uninstall. */
  backups?: BackupRecord[];
  /** Installs `wizard uninstall` removed: a second uninstall says so instead of failing. */
  removed?: Record<string, { at: string; purged: boolean; platform: string }>;
}

/** The wizard's state, in STATE_DIR/state.json (conf: atomic writes), under /var/lib/wizard. */
export class StateStore {
  private store?: Conf<StateShape>;
  readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, 'state.json');
  }

  /** Created (and conf loaded) on first write, so reading (status, --dry-run) never creates the state file. */
  private async conf(): Promise<Conf<StateShape>> {
    if (this.store) return this.store;
    const { default: ConfClass } = await import('conf');
    this.store = new ConfClass<StateShape>({
      cwd: this.dir,
      configName: 'state',
      projectSuffix: '',
      defaults: { schema: 1, installs: {} },
      configFileMode: 0o600,
      watch: false,
    });
    return this.store;
  }

  private all(): Record<string, InstallRecord> {
    return this.shape().installs ?? {};
  }

  private shape(): Partial<StateShape> {
    if (this.store) return this.store.store;
    if (!existsSync(this.path)) return {};
    try {
      return JSON.parse(readFileSync(this.path, 'utf8')) as StateShape;
    } catch (e) {
      throw new Error(
        `The wizard's state file ${this.path} is not valid JSON (${(e as Error).message}); restore it from ${this.path}.bak or move it away.`,
      );
    }
  }

  installs(): InstallRecord[] {
    return Object.values(this.all());
  }

  get(name: string): InstallRecord | undefined {
    return this.all()[name];
  }

  /** Finds an install by name or domain. */
  find(nameOrDomain: string): InstallRecord | undefined {
    return this.installs().find((i) => i.name === nameOrDomain || i.domain === nameOrDomain);
  }

  async put(record: InstallRecord): Promise<void> {
    const conf = await this.conf();
    conf.set(`installs.${record.name}`, record);
    const removed = conf.get('removed');
    if (removed?.[record.name]) {
      const { [record.name]: _gone, ...rest } = removed;
      conf.set('removed', rest);
    }
  }

  /** Removes an install's record (uninstall), remembering that it was removed. */
  async remove(name: string, purged: boolean): Promise<void> {
    const conf = await this.conf();
    const r = this.get(name);
    conf.delete(`installs.${name}` as keyof StateShape);
    if (r)
      conf.set('removed', {
        ...(conf.get('removed') ?? {}),
        [name]: { at: new Date().toISOString(), purged, platform: r.platform },
      });
  }

  /** When (and how) `wizard uninstall` removed an install of this name. */
  removed(name: string): { at: string; purged: boolean; platform: string } | undefined {
    return this.shape().removed?.[name];
  }

  backups(): BackupRecord[] {
    return this.shape().backups ?? [];
  }

  async addBackup(record: BackupRecord): Promise<void> {
    const conf = await this.conf();
    conf.set('backups', [...(conf.get('backups') ?? []).filter((b) => b.file !== record.file), record]);
  }

  async dropBackups(files: string[]): Promise<void> {
    const conf = await this.conf();
    conf.set(
      'backups',
      (conf.get('backups') ?? []).filter((b) => !files.includes(b.file)),
    );
  }

  async update(name: string, patch: Partial<InstallRecord>): Promise<InstallRecord> {
    const current = this.get(name);
    if (!current) throw new Error(`No install named ${name} in the state`);
    const next = { ...current, ...patch, updatedAt: new Date().toISOString() };
    await this.put(next);
    return next;
  }
}
