import type { Check, CheckResult } from './checks.js';

/** The clock's reference: Let's Encrypt's ACME directory (certificates depend on it); WIZARD_TIME_URL overrides it. */
export const DEFAULT_TIME_URL = 'https://acme-v02.api.letsencrypt.org/directory';

/** One request to the reference: the local clock (ms) when it was sent and answered, and its Date header. */
export type ClockSample =
  | { url: string; sentAt: number; receivedAt: number; date?: string }
  | { url: string; error: string };

/**
 * How far off the clock may be, and why. The Date header has 1 s resolution and the answer takes a round
 * trip, so a few seconds are noise; the bounds below apply to the smallest skew the sample proves.
 */
export const CLOCK_LIMITS = {
  /** Beyond the noise: nothing keeps this clock (NTP off or failing), and it keeps drifting. */
  warnSeconds: 5,
  /**
   * TOTP two-factor codes (Rocket.Chat, Mattermost) change every 30 s, and RFC 6238 section 6 recommends
   * accepting at most one step of drift: beyond 30 s the codes of users' phones start to be refused.
   */
  failSeconds: 30,
  /** Mastodon refuses (and is refused) HTTP signatures dated more than an hour off (CLOCK_SKEW_MARGIN = 1 hour). */
  signatureSeconds: 3600,
} as const;

export interface SkewEstimate {
  /** Reference minus local, in ms: positive when this clock is behind. */
  skewMs: number;
  /** Half the round trip plus half the Date header's 1 s resolution. */
  uncertaintyMs: number;
}

/**
 * The offset of the local clock from the reference, corrected for the round trip: the header was stamped
 * (truncated to the second) somewhere between sending and answering, so the best estimate puts the
 * reference's D + 0.5 s at the local midpoint of the request.
 */
export function estimateSkew(sample: ClockSample): SkewEstimate | { error: string } {
  if ('error' in sample) return { error: sample.error };
  if (!sample.date) return { error: 'the answer has no Date header' };
  const d = Date.parse(sample.date);
  if (!/\d{2}:\d{2}:\d{2}/.test(sample.date) || Number.isNaN(d))
    return { error: `its Date header is unreadable ("${sample.date.slice(0, 60)}")` };
  const rtt = Math.max(0, sample.receivedAt - sample.sentAt);
  return { skewMs: d + 500 - (sample.sentAt + rtt / 2), uncertaintyMs: 500 + rtt / 2 };
}

const fmt = (ms: number) => {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};

/** The verdict on a sample and on NTP (true/false from timedatectl; undefined when it can't tell). */
export function judgeClock(sample: ClockSample, ntp: boolean | undefined): CheckResult {
  const host = (() => {
    try {
      return new URL(sample.url).host;
    } catch {
      return sample.url;
    }
  })();
  const ntpOff = ntp === false;
  const ntpNote = ntp === true ? '; NTP synchronised' : ntpOff ? '; NTP is not synchronised' : '';
  const setNtp = 'Turn on time synchronisation: timedatectl set-ntp true';
  const est = estimateSkew(sample);
  if ('error' in est) {
    const detail = `skew not measured (${host}: ${est.error})${ntpNote}`;
    return ntpOff ? { status: 'warn', detail, remedy: setNtp } : { status: 'ok', detail };
  }
  const proven = Math.max(0, Math.abs(est.skewMs) - est.uncertaintyMs);
  const direction = est.skewMs > 0 ? 'behind' : 'ahead of';
  const measured = `this clock is ${fmt(est.skewMs)} ${direction} ${host} (±${(est.uncertaintyMs / 1000).toFixed(1)} s)`;
  const remedy =
    ntpOff || ntp === undefined
      ? `${setNtp} (no timedatectl: install an NTP client such as chrony or systemd-timesyncd).`
      : 'NTP says synchronised, yet the clock is off: check its time source (timedatectl timesync-status, or chronyc sources).';
  if (proven > CLOCK_LIMITS.failSeconds * 1000) {
    const effects = ['two-factor (TOTP) codes are refused'];
    if (proven > CLOCK_LIMITS.signatureSeconds * 1000)
      effects.push(
        "Mastodon's HTTP signatures are refused by other servers",
        'TLS certificates can look not yet valid or expired',
      );
    return { status: 'fail', detail: `${measured}: ${effects.join('; ')}${ntpNote}`, remedy };
  }
  if (proven > CLOCK_LIMITS.warnSeconds * 1000) {
    return {
      status: 'warn',
      detail: `${measured}: beyond ${CLOCK_LIMITS.failSeconds} s two-factor (TOTP) codes are refused${ntpNote}`,
      remedy,
    };
  }
  if (ntpOff)
    return {
      status: 'warn',
      detail: `within ${fmt(Math.abs(est.skewMs) + est.uncertaintyMs)} of ${host}${ntpNote}: it will drift`,
      remedy: setNtp,
    };
  return {
    status: 'ok',
    detail: `within ${fmt(Math.abs(est.skewMs) + est.uncertaintyMs)} of ${host}${ntpNote}`,
  };
}

/** Doctor's host check: the clock against the reference's Date header, and NTP where timedatectl tells. */
export const clockCheck: Check = {
  id: 'clock',
  title: 'Clock',
  async run(probe) {
    if (!probe.clock) return { status: 'ok', detail: 'not checked' };
    const [sample, ntp] = await Promise.all([
      probe.clock(),
      probe.ntpSynchronized?.() ?? Promise.resolve(undefined),
    ]);
    return judgeClock(sample, ntp);
  },
};
