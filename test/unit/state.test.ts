import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WizardError } from '../../src/core/errors.js';
import { type InstallRecord, StateStore } from '../../src/system/state.js';
import { tmpRoot } from '../helpers/tmp.js';

const record = (name: string): InstallRecord => ({
  name,
  platform: 'rocketchat',
  domain: 'chat.example.com',
  email: 'a@example.com',
  dataDir: '/opt/rocketchat',
  release: '8.0.1',
  tls: 'none',
  port: 3000,
  repoUrl: 'x',
  project: name,
  composeFiles: [],
  status: 'installed',
  journal: {},
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
});

describe('a damaged state file', () => {
  it.each([
    ['not JSON', '{"installs": {', 'not valid JSON'],
    ['empty', '', 'not valid JSON'],
    ['a list', '[]', 'not a JSON object'],
    ['installs not an object', '{"installs": 5}', '"installs" is not an object'],
    ['a record not an object', '{"installs": {"rc": "x"}}', 'the install "rc" is not an object'],
    [
      'a field of the wrong type',
      '{"installs": {"rc": {"name": "rc", "dataDir": 7}}}',
      'the install "rc" has a dataDir that is not text',
    ],
  ])(
    '%s: reading and writing name the file, the cause and what to do (never "a bug")',
    async (_, text, why) => {
      const dir = tmpRoot();
      const path = join(dir, 'state.json');
      writeFileSync(path, text);
      const store = new StateStore(dir);
      let err: unknown;
      try {
        store.installs();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(WizardError);
      expect((err as WizardError).message).toContain(`The wizard's state file ${path} is damaged (${why}`);
      expect((err as WizardError).remedy).toContain(`mv ${path} ${path}.damaged`);
      await expect(store.put(record('rc'))).rejects.toThrow(`The wizard's state file ${path} is damaged`);
    },
  );

  it('a sound one reads and writes as before', async () => {
    const dir = tmpRoot();
    const store = new StateStore(dir);
    expect(store.installs()).toEqual([]);
    await store.put(record('rc'));
    expect(new StateStore(dir).get('rc')?.platform).toBe('rocketchat');
  });
});
