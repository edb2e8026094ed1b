import { parseEnv } from '../../core/envfile.js';
import { ownProxyNeeds } from '../../core/own-proxy.js';
import type { InstallAnswers, Platform } from '../../core/platform.js';
import type { Deps } from '../deps.js';

/**
 * The end of a successful install: next steps, what the user's own proxy must do (--tls none), the QR code on a
 * screen, and last the URL with the first admin's login (the password once).
 */
export async function showSummary(
  deps: Deps,
  platform: Platform,
  answers: InstallAnswers,
  run: { readyVersion?: string | undefined; notes: string[]; firstAdminShown: boolean },
): Promise<void> {
  const { term, log } = deps;
  const interactive = term.interactive;
  const [{ printStatic, screenWidth }, { Summary }] = await Promise.all([
    import('../../ui/screens.js'),
    import('../../ui/Summary.js'),
  ]);
  const ctx = { readyVersion: run.readyVersion, notes: run.notes };
  const firstAdminShown = run.firstAdminShown;
  const envText = (await deps.files.readText(platform.envFile?.(answers) ?? `${answers.dataDir}/.env`)) ?? '';
  const summary = platform.summary(answers, parseEnv(envText).values, deps.env.hostPath);
  const { default: terminalLink } = await import('terminal-link');
  // The QR code only means something on a screen: not drawn (nor its library loaded) for a pipe or a log.
  const qr = term.stdout.isTTY
    ? await import('qrcode')
        .then((m) => m.default.toString(summary.url, { type: 'terminal', small: true }))
        .catch(() => undefined)
    : undefined;
  const width = screenWidth(term.stdout);
  const ownProxy = ownProxyNeeds(platform, answers, summary.url);
  printStatic(
    <Summary
      title={platform.title}
      version={ctx.readyVersion ?? answers.version}
      url={summary.url}
      link={terminalLink(summary.url, summary.url, { fallback: (_t, url) => url })}
      {...(qr ? { qr } : {})}
      {...(summary.login ? { login: summary.login } : {})}
      {...(summary.action ? { action: summary.action } : {})}
      showPassword={firstAdminShown}
      logPath={log.path}
      notes={[...ctx.notes, ...summary.notes]}
      {...(ownProxy ? { ownProxy } : {})}
      width={width}
      {...(term.stdout.isTTY && term.stdout.rows ? { rows: term.stdout.rows } : {})}
    />,
    term.stdout,
    width,
  );
  // A browser only where a desktop session runs this terminal (never over SSH).
  if (deps.env.desktop && interactive)
    await deps.runner
      .run({ file: 'xdg-open', args: [summary.url], reject: false, timeoutMs: 5000 })
      .catch(() => undefined);
}
