/** Symbols and colours shared by every screen. */
export const symbols = {
  pass: '✔',
  warn: '⚠',
  fail: '✖',
  pending: '…',
  arrow: '→',
  pointer: '❯',
} as const;

export const statusColor = { pass: 'green', warn: 'yellow', fail: 'red', pending: 'gray' } as const;
