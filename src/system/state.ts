import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
import type { BackupInstall, BackupRecord, BackupSchedule } from '../core/backup.js';
import { WizardError } from '../core/errors.js';
import { environmentalError } from '../core/fs-errors.js';
import type { UpgradeJournal } from '../core/upgrade-journal.js';
import type { FirewallChange } from './firewall.js';

/** One install as the state records it (no secrets: those stay in the install's 0600 env file). */
export interface InstallRecord extends Omit<BackupInstall, 'extra'> {
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
  /** Every backup the wizard wrote, with its digest (older ones: the file's SHA-256; a restore checks it); kept after an uninstall. */
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
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      throw environmentalError(e) ?? e;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw this.damaged(`not valid JSON: ${(e as Error).message}`);
    }
    return checkShape(doc, (why) => this.damaged(why));
  }

  /** A state file that can't be read as the wizard wrote it: a cause and what to do, never "a bug". */
  private damaged(why: string): WizardError {
    return new WizardError(
      `The wizard's state file ${this.path} is damaged (${why}).`,
      `Move it away (mv ${this.path} ${this.path}.damaged) and run the same command again: the installs' own files are kept, and an upgrade backup (DATA_DIR/backups/*.tar.gz) holds a copy of the state as var__lib__wizard__state.json.`,
    );
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
    // The file is judged first: conf would throw a bare SyntaxError on a damaged one.
    this.all();
    try {
      const conf = await this.conf();
      conf.set(`installs.${record.name}`, record);
      const removed = conf.get('removed');
      if (removed?.[record.name]) {
        const { [record.name]: _gone, ...rest } = removed;
        conf.set('removed', rest);
      }
    } catch (e) {
      if (e instanceof SyntaxError) throw this.damaged(`not valid JSON: ${e.message}`);
      throw environmentalError(e, { path: this.path }) ?? e;
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
    if (!current)
      throw new WizardError(
        `No install named ${name} in the state ${this.path}: it changed while this run was going.`,
        'Run `wizard status` to see the installs, then run the same command again.',
      );
    const next = { ...current, ...patch, updatedAt: new Date().toISOString() };
    await this.put(next);
    return next;
  }
}

/** The state's shape, checked where it is read: a record the wizard can't use is a damaged file, named. */
function checkShape(doc: unknown, damaged: (why: string) => WizardError): StateShape {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw damaged('not a JSON object');
  const installs = (doc as Partial<StateShape>).installs ?? {};
  if (typeof installs !== 'object' || installs === null || Array.isArray(installs))
    throw damaged('"installs" is not an object');
  for (const [key, r] of Object.entries(installs)) {
    if (typeof r !== 'object' || r === null || Array.isArray(r))
      throw damaged(`the install "${key}" is not an object`);
    for (const field of ['name', 'platform', 'dataDir', 'release'] as const) {
      const v = (r as Partial<InstallRecord>)[field];
      if (v !== undefined && typeof v !== 'string')
        throw damaged(`the install "${key}" has a ${field} that is not text`);
    }
  }
  const d = doc as Partial<StateShape>;
  if (d.backups !== undefined && !Array.isArray(d.backups)) throw damaged('"backups" is not a list');
  if (
    d.removed !== undefined &&
    (typeof d.removed !== 'object' || d.removed === null || Array.isArray(d.removed))
  )
    throw damaged('"removed" is not an object');
  return {
    schema: d.schema ?? 1,
    installs,
    ...(d.backups ? { backups: d.backups } : {}),
    ...(d.removed ? { removed: d.removed } : {}),
  };
}
