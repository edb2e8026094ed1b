import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Conf from 'conf';
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
}

interface StateShape {
  schema: number;
  installs: Record<string, InstallRecord>;
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
    if (this.store) return this.store.get('installs');
    if (!existsSync(this.path)) return {};
    try {
      return (JSON.parse(readFileSync(this.path, 'utf8')) as StateShape).installs ?? {};
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
    (await this.conf()).set(`installs.${record.name}`, record);
  }

  async update(name: string, patch: Partial<InstallRecord>): Promise<InstallRecord> {
    const current = this.get(name);
    if (!current) throw new Error(`No install named ${name} in the state`);
    const next = { ...current, ...patch, updatedAt: new Date().toISOString() };
    await this.put(next);
    return next;
  }
}
