/** git's side of a repository URL. */

/**
 * A repository URL without its user:password (or token), and git's environment that sends them as an HTTP
 * Authorization header instead (GIT_CONFIG_COUNT: git 2.31 and newer). A URL without credentials is unchanged.
 */
export function gitCredentials(repoUrl: string): { url: string; env?: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(repoUrl);
  } catch {
    return { url: repoUrl };
  }
  if (!/^https?:$/.test(u.protocol) || (!u.username && !u.password)) return { url: repoUrl };
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const user = decode(u.username);
  const pass = decode(u.password);
  // A token alone (https://TOKEN@host) goes as the user with an empty password, as git itself would send it.
  const basic = Buffer.from(`${user}:${pass}`).toString('base64');
  u.username = '';
  u.password = '';
  return {
    url: u.toString(),
    env: {
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      GIT_TERMINAL_PROMPT: '0',
    },
  };
}
