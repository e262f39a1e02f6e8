// The kubelet refuses to start with swap on, and `swapoff -a` lasts one boot only: swap
// lines in /etc/fstab are commented out with a marker, which `reset` takes off again.

const MARKER = '#kubeseed-boot# ';

function isSwapLine(line: string): boolean {
  const fields = line.trim().split(/\s+/);
  return !line.trimStart().startsWith('#') && fields[2] === 'swap';
}

export function hasActiveSwap(fstab: string): boolean {
  return fstab.split('\n').some(isSwapLine);
}

export function commentOutSwap(fstab: string): string {
  return fstab
    .split('\n')
    .map((line) => (isSwapLine(line) ? `${MARKER}${line}` : line))
    .join('\n');
}

export function restoreSwap(fstab: string): string {
  return fstab
    .split('\n')
    .map((line) => (line.startsWith(MARKER) ? line.slice(MARKER.length) : line))
    .join('\n');
}
