/**
 * The archive digest the state records for each backup (and `wizard restore --digest` takes): SHA-256 over, for
 * each member in archive order, its header bytes exactly as written (the PAX extended header included: name,
 * type, mode, owner, size, time, link target) followed, for a regular file, by the 32 bytes of its content's
 * SHA-256 (the one the manifest lists). Hashing each byte once gives both the manifest's SHA-256s and this digest.
 * The reader refuses anything outside that (non-zero padding, data after the end, a truncated member), so every
 * byte of an accepted archive is covered. Written `sha256-members-v1:HEX`.
 *
 * Backups written before it carry the SHA-256 of the whole file instead (what `sha256sum` prints): still read.
 */
export const DIGEST_SCHEME = 'sha256-members-v1';

const HEX64 = /^[0-9a-f]{64}$/;

export const formatDigest = (hex: string) => `${DIGEST_SCHEME}:${hex}`;

/** The hex of a digest given as `sha256-members-v1:HEX` (or a bare HEX), undefined when it is not one. */
export function parseDigest(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  const hex = t.startsWith(`${DIGEST_SCHEME}:`) ? t.slice(DIGEST_SCHEME.length + 1) : t;
  return HEX64.test(hex) ? hex : undefined;
}

/** What a reader checks an archive against: the recorded digest, or (older backups) the file's own SHA-256. */
export type ArchiveExpectation = { digest: string } | { sha256: string };

/** What a state record says the archive must match: its digest, or (recorded before digests) its file's SHA-256. */
export function recordExpectation(r: { digest?: string; sha256?: string }): ArchiveExpectation | undefined {
  const hex = r.digest ? parseDigest(r.digest) : undefined;
  if (hex) return { digest: formatDigest(hex) };
  if (r.sha256) return { sha256: r.sha256.toLowerCase() };
  return undefined;
}
