/**
 * A screen's heading as plain text, written before Ink has loaded, so the first frame appears at once
 * (Ink and its layout engine take a few hundred milliseconds to load).
 */
export function heading(
  title: string,
  stream: NodeJS.WriteStream,
  env: Record<string, string | undefined>,
): string {
  const color = stream.isTTY && !env.NO_COLOR && env.FORCE_COLOR !== '0';
  return color ? `\u001B[1m${title}\u001B[22m\n` : `${title}\n`;
}
