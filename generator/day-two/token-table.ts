// `kubeseed token list`: kubeadm's columns (TOKEN, TTL, EXPIRES, USAGES, DESCRIPTION,
// EXTRA GROUPS), with the token id alone: the secret never leaves the cluster again.
import type { TokenInfo } from '../cluster-api/bootstrap-token-secret.ts';

function ttl(expires: Date | undefined, now: Date): string {
  if (!expires) return '<forever>';
  const seconds = Math.floor((expires.getTime() - now.getTime()) / 1000);
  if (seconds <= 0) return '<expired>';
  const hours = Math.floor(seconds / 3600);
  return hours >= 1 ? `${hours}h` : `${Math.max(1, Math.floor(seconds / 60))}m`;
}

export function formatTokenTable(tokens: readonly TokenInfo[], now: Date): string {
  const rows = [
    ['TOKEN ID', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS'],
    ...tokens.map((token) => [
      token.id,
      ttl(token.expires, now),
      token.expires ? `${token.expires.toISOString().slice(0, 19)}Z` : '<never>',
      token.usages.join(',') || '<none>',
      token.description ?? '<none>',
      token.groups.join(',') || '<none>',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
