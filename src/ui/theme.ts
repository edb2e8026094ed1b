/** Symbols and colours shared by every screen. */
export const symbols = {
  ok: '✔',
  warn: '⚠',
  fail: '✖',
  pending: '…',
  arrow: '→',
  pointer: '❯',
} as const;

export const statusColor = { ok: 'green', warn: 'yellow', fail: 'red', pending: 'gray' } as const;
