import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Deps } from '../../src/commands/deps.js';
import { composeAnswers, type Resolved } from '../../src/commands/install/answers.js';
import { askQuestions } from '../../src/commands/install/questions.js';
import { resolveAnswers } from '../../src/core/answers.js';
import type { HostProbe, PortHolder } from '../../src/core/checks.js';
import { UserError } from '../../src/core/errors.js';
import type { QuestionStep } from '../../src/core/questions.js';
import { StateStore } from '../../src/system/state.js';
import { BACK } from '../../src/ui/key-feed.js';
import { platforms } from '../../steps/index.js';
import { tmpRoot } from '../helpers/tmp.js';

/** A host: 8 GiB, 50 GiB free, the ports in `held` taken, DNS answering for nothing. */
function host(
  opts: { memoryMiB?: number; diskFree?: (p: string) => number; held?: Record<number, PortHolder> } = {},
) {
  return {
    osRelease: async () => ({ ID: 'debian' }),
    arch: () => 'x64',
    uid: () => 0,
    memoryMiB: () => opts.memoryMiB ?? 8192,
    diskFreeGiB: async (p: string) => opts.diskFree?.(p) ?? 50,
    portHolder: async (port: number) => opts.held?.[port],
    dockerServerVersion: async () => ({ version: '27.3.1' }),
    composeVersion: async () => '2.29.7',
    cgroupV2: async () => true,
    gitVersion: async () => '2.43.0',
    resolve: async () => ({ a: [], aaaa: [] }),
    publicAddresses: async () => [],
  } satisfies HostProbe;
}

/**
 * The question loop with its prompts scripted: each answer is given to the question whose key it names (BACK is
 * Esc), and every question asked is recorded with its default.
 */
async function flow(
  flags: Record<string, unknown>,
  script: [string, string | typeof BACK][],
  probe = host(),
) {
  const root = tmpRoot('wizard-flow-');
  let stderr = '';
  const deps = {
    platforms,
    probe,
    state: (() => {
      const s = new StateStore(join(root, 'state'));
      return () => s;
    })(),
    env: {
      env: {},
      root,
      hostPath: (p: string) => join(root, p),
      projectName: (name: string) => `${name}-test`,
    },
    term: {
      stderr: {
        write: (s: string) => {
          stderr += s;
          return true;
        },
      },
    },
    log: { info() {}, warn() {}, error() {}, addSecret() {} },
  } as unknown as Deps;
  const raw = resolveAnswers([flags], platforms);
  const resolved: Resolved = { ...raw, answers: raw.answers } as Resolved;
  const asked: { key: string; message: string; initial?: string | undefined }[] = [];
  const queue = [...script];
  const screens = {
    showChecks: async (
      _t: unknown,
      _title: unknown,
      _checks: unknown,
      run: (on: () => void) => Promise<import('../../src/core/checks.js').CheckOutcome[]>,
    ) => run(() => {}),
    askOne: async (_term: unknown, step: QuestionStep) => {
      asked.push({ key: step.key, message: step.message, initial: step.initial });
      const next = queue.shift();
      if (!next) throw new Error(`no scripted answer for ${step.key}; asked: ${JSON.stringify(asked)}`);
      if (next[0] !== step.key) throw new Error(`asked ${step.key}, the script answers ${next[0]}`);
      if (next[1] !== BACK && step.validate) {
        const v = step.validate(next[1]);
        if (!v.ok) throw new Error(`${step.key}: ${v.error}`);
        return v.value;
      }
      return next[1];
    },
  };
  const result = await askQuestions(deps, screens as never, resolved, undefined);
  return { ...result, asked, stderr, deps, resolved, left: queue };
}

describe('the question loop', () => {
  it('keeps flags given before the platform is picked: they are not asked again and land in the answers', async () => {
    const r = await flow({ tls: 'none', streamingPort: '13821', ownerUsername: 'boss', smtpHost: 'none' }, [
      ['platform', 'mastodon'],
      ['domain', 'localhost'],
      ['email', 'admin@example.com'],
      ['version', '4.5.11'],
      ['dataDir', '/opt/mastodon'],
    ]);
    expect(r.asked.map((a) => a.key)).toEqual(['platform', 'domain', 'email', 'version', 'dataDir']);
    const { answers } = await composeAnswers(r.deps, r.resolved, undefined, r.values);
    expect(answers.extra).toMatchObject({ streamingPort: '13821', ownerUsername: 'boss', smtpHost: 'none' });
    expect(answers.platform).toBe('mastodon');
  });

  it('refuses a flag of another platform as soon as the platform is picked (exit 2, naming its platforms)', async () => {
    const err = await flow({ ownerUsername: 'boss', edition: 'team' }, [['platform', 'rocketchat']]).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toBe(
      '--edition does not apply to Rocket.Chat: it is for Mattermost.\n--owner-username does not apply to Rocket.Chat: it is for Mastodon.',
    );
    expect((err as UserError).remedy).toBe(
      'Drop --edition, or install Mattermost. Drop --owner-username, or install Mastodon.',
    );
  });

  it('words the email for the TLS mode, and the domain for --tls none', async () => {
    const le = await flow({ platform: 'rocketchat', yes: true }, [
      ['domain', 'chat.example.com'],
      ['email', 'a@example.com'],
    ]);
    expect(le.asked.map((a) => a.message)).toEqual([
      'Domain:',
      "Email for Let's Encrypt and the first admin:",
    ]);
    const none = await flow({ platform: 'mattermost', tls: 'none', yes: true }, [
      ['domain', 'localhost'],
      ['email', 'a@example.com'],
    ]);
    expect(none.asked.map((a) => a.message)).toEqual(['Domain or address:', 'Email of the first admin:']);
    const relay = await flow({ platform: 'chatmail', yes: true }, [
      ['domain', 'chat.example.com'],
      ['email', 'a@example.com'],
    ]);
    expect(relay.asked[1]?.message).toBe("Email for Let's Encrypt's notices:");
  });

  it('a taken port asks for another one right after the platform (the next free one offered), then goes on', async () => {
    const probe = host({
      held: { 3000: { process: 'node', pid: 4242 }, 3001: { process: 'node', pid: 4243 } },
    });
    const r = await flow(
      { tls: 'none', mongodbPort: 'none', natsPort: 'none', metricsPort: 'none' },
      [
        ['platform', 'rocketchat'],
        ['port', '3002'],
        ['domain', 'localhost'],
        ['email', 'a@example.com'],
        ['version', '8.0.1'],
        ['dataDir', '/opt/rocketchat'],
        ['adminUsername', 'admin'],
      ],
      probe,
    );
    expect(r.asked[1]).toMatchObject({ key: 'port', message: 'App port on 127.0.0.1:', initial: '3002' });
    expect(r.values.port).toBe('3002');
    expect(r.early.find((o) => o.id === 'ports')).toMatchObject({ status: 'ok', detail: '3002 free' });
    // The checks ran as soon as their answers existed; the final checklist shows them no more.
    expect(r.early.map((o) => o.id).sort()).toEqual(['disk', 'dns', 'memory', 'ports']);
    const { answers } = await composeAnswers(r.deps, r.resolved, undefined, r.values);
    expect(answers.port).toBe(3002);
  });

  it('Esc goes back one question, whose earlier answer is then the default', async () => {
    const r = await flow({ platform: 'mattermost', tls: 'none', yes: true }, [
      ['domain', 'chat.exmple.com'],
      ['email', BACK],
      ['domain', 'chat.example.com'],
      ['email', 'a@example.com'],
    ]);
    expect(r.asked[2]).toMatchObject({ key: 'domain', initial: 'chat.exmple.com' });
    expect(r.values).toEqual({ domain: 'chat.example.com', email: 'a@example.com' });
  });

  it('too little memory offers another platform (or going on anyway); too little disk asks for another folder', async () => {
    const r = await flow(
      { tls: 'letsencrypt' },
      [
        ['platform', 'rocketchat'],
        ['!memory', 'platform'],
        ['platform', 'chatmail'],
        ['domain', 'chat.example.com'],
        ['email', 'a@example.com'],
        ['version', '1.12.0'],
        ['dataDir', '/small/chatmail'],
        ['dataDir', '/big/chatmail'],
      ],
      host({ memoryMiB: 1536, diskFree: (p) => (p.startsWith('/small') ? 2 : 80) }),
    );
    expect(r.asked.find((a) => a.key === '!memory')?.message).toBe(
      'Rocket.Chat needs more memory than this server has. What now?',
    );
    expect(r.values).toMatchObject({ platform: 'chatmail', dataDir: '/big/chatmail' });
    expect(r.stderr).toBe('Enter takes the answer (or the default shown); Esc goes back one question.\n');
    const anyway = await flow(
      {
        platform: 'rocketchat',
        yes: false,
        tls: 'none',
        mongodbPort: 'none',
        natsPort: 'none',
        metricsPort: 'none',
      },
      [
        ['!memory', 'ignore'],
        ['domain', 'localhost'],
        ['email', 'a@example.com'],
        ['version', '8.0.1'],
        ['dataDir', '/opt/rocketchat'],
        ['adminUsername', 'admin'],
      ],
      host({ memoryMiB: 1536 }),
    );
    expect(anyway.early.find((o) => o.id === 'memory')).toMatchObject({ status: 'fail', ignored: true });
  });
});
