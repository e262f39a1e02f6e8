// Durations in the spec are written the way kubeadm users write them ("24h", "8760h")
// plus days and years for certificate lifetimes ("365d", "10y").
import { custom } from './schema.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, y: 365 * 86400 };

export const DURATION_HINT = 'a duration like 24h, 90m, 365d or 10y';

/** Seconds, or undefined when the text is not a duration. `0` alone means zero. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = [...text.matchAll(/(\d+)([smhdy])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_SECONDS[unit as string]!, 0);
}

/** A duration field, read to seconds; a bare number (YAML `ttl: 0`) counts as its text. */
export const duration = custom<number>((value, at) => {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string') return at.fail(`must be ${DURATION_HINT}`);
  const seconds = parseDuration(text);
  return seconds === undefined ? at.fail(`${JSON.stringify(text)} is not ${DURATION_HINT}`) : seconds;
});

/** Go's time.Duration text (what kubeadm's config expects), e.g. 86400 → "24h0m0s". */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}
