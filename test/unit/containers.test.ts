import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ContainerObservation,
  emptyMemory,
  judgeContainers,
  observeContainers,
} from '../../src/core/containers.js';
import { logPatternsOf } from '../../src/core/failures.js';
import rocketchat from '../../steps/rocketchat/index.js';

/**
 * The container-state judge on output recorded from the e2e stand-ins on Docker 20.10 + Compose 2.26
 * (test/unit/containers/*: `docker compose ps --all --format json`, `docker inspect`, the time of the recording).
 * healthy: the Rocket.Chat stack answering; crash-early / crash-loop: its rocketchat container on the
 * `9.9.9-crash` image ("Cannot find module", restart: always) 1.5 s and 7.5 s after the switch; states: a small
 * project with a container that exited 3 (restart: no), one OOM-killed, one unhealthy past its 2 s start period,
 * one slow (health starting, 300 s start period) and a finished one-time helper. The containers' env values named
 * like secrets (ADMIN_PASS...) are replaced by [redacted] in the recordings.
 */
const dir = join(import.meta.dirname, 'containers');
const read = (name: string) => readFileSync(join(dir, name), 'utf8');
const at = (name: string) => Date.parse(read(`${name}.at`).trim());
/** When the states project was started (`docker compose up`). */
const statesUp = () => Date.parse(read('states.since').trim());
const observed = (name: string) => observeContainers(read(`${name}.ps.jsonl`), read(`${name}.inspect.json`));
const patterns = logPatternsOf(rocketchat);
const only = (obs: ContainerObservation[], service: string) => obs.filter((c) => c.service === service);
/** Just before the `up` that switched rocketchat to the crashing image (its container's creation). */
const switched = () => (only(observed('crash-early'), 'rocketchat')[0]?.createdAt ?? 0) - 1000;

describe('observeContainers (recorded docker compose ps + docker inspect)', () => {
  it('reads every container with its state, restart policy, health and start period', () => {
    const obs = observed('healthy');
    expect(obs.map((c) => c.service).sort()).toEqual([
      'mongodb',
      'mongodb-exporter',
      'mongodb-fix-permission-container',
      'mongodb-init-container',
      'nats',
      'nats-exporter',
      'rocketchat',
    ]);
    const mongo = obs.find((c) => c.service === 'mongodb');
    expect(mongo).toMatchObject({ state: 'running', restartPolicy: 'always', startPeriodMs: 30_000 });
    expect(mongo?.id).toMatch(/^[0-9a-f]{64}$/);
    expect(obs.find((c) => c.service === 'mongodb-init-container')).toMatchObject({
      state: 'exited',
      exitCode: 0,
      restartPolicy: 'on-failure',
    });
  });

  it('without inspect output it still has the state Compose prints', () => {
    const obs = observeContainers(read('states.ps.jsonl'));
    expect(obs.find((c) => c.service === 'exits')).toMatchObject({ state: 'exited', exitCode: 3 });
    expect(obs.find((c) => c.service === 'unhealthy')).toMatchObject({ health: 'unhealthy' });
  });
});

describe('judgeContainers', () => {
  it('finds nothing wrong in a stack that runs, one-time helpers finished', () => {
    const j = judgeContainers(observed('healthy'), emptyMemory(), {
      now: at('healthy'),
      since: at('healthy') - 60_000,
      mustRun: ['rocketchat'],
      patterns,
    });
    expect(j.failure).toBeUndefined();
    expect(j.wantLogs).toEqual([]);
  });

  it('a container that crashed once asks for its log, and a known fatal line ends the wait at once', () => {
    const obs = observed('crash-early');
    const since = switched();
    const first = judgeContainers(obs, emptyMemory(), { now: at('crash-early'), since, patterns });
    const rc = obs.find((c) => c.service === 'rocketchat');
    expect(first.failure).toBeUndefined();
    expect(first.wantLogs).toEqual([rc?.id]);
    const second = judgeContainers(obs, emptyMemory(), {
      now: at('crash-early'),
      since,
      patterns,
      logs: { [rc?.id as string]: read('crash-loop.rocketchat.logs.txt') },
    });
    expect(second.failure).toMatchObject({ kind: 'crashed', service: 'rocketchat' });
    expect(second.failure?.reason).toBe(
      'crashed (1 restart): a module of the program is missing (the image is broken)',
    );
  });

  it('a crash with no known line in its log is read once, then left to the restart count', () => {
    const obs = observed('crash-early');
    const since = switched();
    const rc = obs.find((c) => c.service === 'rocketchat')?.id as string;
    const first = judgeContainers(obs, emptyMemory(), {
      now: at('crash-early'),
      since,
      patterns,
      logs: { [rc]: 'something odd happened' },
    });
    expect(first.failure).toBeUndefined();
    const again = judgeContainers(obs, first.memory, { now: at('crash-early'), since, patterns });
    expect(again.wantLogs).toEqual([]);
  });

  it('a restart loop (3 restarts since the wait first saw the container) ends the wait', () => {
    const early = observed('crash-early');
    // Created before the wait began: the restarts it had then do not count.
    const since = at('crash-early');
    const first = judgeContainers(early, emptyMemory(), { now: since, since });
    expect(first.failure).toBeUndefined();
    const loop = judgeContainers(observed('crash-loop'), first.memory, { now: at('crash-loop'), since });
    expect(loop.failure).toMatchObject({ kind: 'restart-loop', service: 'rocketchat' });
    expect(loop.failure?.reason).toBe('restarts repeatedly (3 restarts)');
  });

  it('counts every restart of a container this start created', () => {
    const j = judgeContainers(observed('crash-loop'), emptyMemory(), {
      now: at('crash-loop'),
      since: switched(),
    });
    expect(j.failure?.reason).toBe('restarts repeatedly (4 restarts)');
  });

  it('names a container that exited with an error and that Docker does not restart', () => {
    const obs = only(observed('states'), 'exits');
    const j = judgeContainers(obs, emptyMemory(), { now: at('states'), since: statesUp() });
    expect(j.failure).toMatchObject({ kind: 'exited', reason: 'exited with code 3' });
  });

  it('names an OOM kill', () => {
    const obs = only(observed('states'), 'oom');
    const j = judgeContainers(obs, emptyMemory(), { now: at('states'), since: statesUp() });
    expect(j.failure).toMatchObject({ kind: 'oom', reason: 'was killed for lack of memory (OOMKilled)' });
  });

  it('names a container unhealthy past its start period, with what its health check said', () => {
    const obs = only(observed('states'), 'unhealthy');
    const j = judgeContainers(obs, emptyMemory(), { now: at('states'), since: statesUp() });
    expect(j.failure).toMatchObject({
      kind: 'unhealthy',
      reason: 'reports unhealthy (its health check: connection refused on 8080)',
    });
  });

  it('leaves a slow but alive start alone, and a finished one-time helper', () => {
    const obs = observed('states').filter((c) => c.service === 'slow' || c.service === 'oneshot');
    const j = judgeContainers(obs, emptyMemory(), { now: at('states'), since: statesUp() });
    expect(j.failure).toBeUndefined();
    expect(only(obs, 'slow')[0]?.health).toBe('starting');
  });

  it('a service that must keep running fails when it stops, even with exit code 0', () => {
    const obs = only(observed('states'), 'oneshot');
    const j = judgeContainers(obs, emptyMemory(), {
      now: at('states'),
      since: statesUp(),
      mustRun: ['oneshot'],
    });
    expect(j.failure).toMatchObject({ kind: 'exited', reason: 'stopped (exit code 0)' });
  });

  it('exits and OOM kills from before the wait began are old news', () => {
    const obs = observed('states').filter((c) => c.service === 'exits' || c.service === 'oom');
    const j = judgeContainers(obs, emptyMemory(), { now: at('states'), since: at('states') });
    expect(j.failure).toBeUndefined();
  });
});
