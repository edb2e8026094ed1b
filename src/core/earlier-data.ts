import type { Check } from './checks.js';

/**
 * Data a fresh install would start on: Docker volumes of its Compose project left by an earlier install of the same
 * name (`wizard uninstall` keeps data unless told otherwise). Compose mounts them again, so the new install starts
 * with the earlier one's database: its accounts and messages, and its admin, since the platforms create the first
 * admin only in an empty database. Said before the review, with both ways out; a re-run of the same install uses
 * its own volumes and is not concerned.
 */
export const earlierDataCheck: Check = {
  id: 'earlier-data',
  title: 'Earlier data',
  async run(probe, input) {
    const project = input.project;
    if (!project || !probe.composeVolumes) return { status: 'ok', detail: 'nothing to look for' };
    if (input.installed) return { status: 'ok', detail: "this install's own volumes" };
    const volumes = await probe.composeVolumes(project);
    if (volumes.length === 0) return { status: 'ok', detail: 'no volumes of an earlier install' };
    return {
      status: 'warn',
      detail: `Docker volume${volumes.length > 1 ? 's' : ''} ${volumes.join(', ')} of an earlier install named ${input.answers?.name ?? project} ${volumes.length > 1 ? 'are' : 'is'} still here: this install starts on that data (its accounts and messages), and the first admin is the earlier one, with the earlier password.`,
      remedy: `To start empty, remove ${volumes.length > 1 ? 'them' : 'it'} first: docker volume rm ${volumes.join(' ')} (a backup restores the data later). To keep the data, log in with the earlier admin after the install.`,
    };
  },
};
