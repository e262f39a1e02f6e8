// Where user-data has to fit. Each platform measures differently: some count the raw
// bytes, some the base64 text their API carries; some accept binary (gzip) user-data,
// others only text. Sources in the project's reference notes (provider API docs).

export interface Platform {
  name: string;
  label: string;
  limit: number;
  measures: 'raw' | 'base64';
  acceptsGzip: boolean;
}

export const PLATFORMS: readonly Platform[] = [
  { name: 'aws', label: 'AWS EC2', limit: 16384, measures: 'raw', acceptsGzip: true },
  { name: 'hetzner', label: 'Hetzner Cloud', limit: 32768, measures: 'raw', acceptsGzip: false },
  { name: 'oracle', label: 'Oracle OCI', limit: 32000, measures: 'base64', acceptsGzip: true },
  { name: 'azure', label: 'Azure', limit: 65535, measures: 'raw', acceptsGzip: true },
  { name: 'openstack', label: 'OpenStack', limit: 65535, measures: 'base64', acceptsGzip: true },
  { name: 'gcp', label: 'Google Cloud', limit: 262144, measures: 'raw', acceptsGzip: false },
];

export function findPlatform(name: string): Platform | undefined {
  return PLATFORMS.find((platform) => platform.name === name);
}

export function measuredSize(platform: Platform, bytes: number): number {
  return platform.measures === 'base64' ? Math.ceil(bytes / 3) * 4 : bytes;
}

export interface PlatformFit {
  platform: string;
  limit: number;
  measures: 'raw' | 'base64';
  /** The form that fits: plain text, gzip, or none. */
  fits: 'plain' | 'gzip' | 'no';
}

/** Whether `rawBytes` of plain user-data fit every platform: then its gzipped size decides nothing. */
export function fitsEveryPlatform(rawBytes: number): boolean {
  return PLATFORMS.every((platform) => measuredSize(platform, rawBytes) <= platform.limit);
}

/** `gzipBytes` may be left out only where the plain text fits `platform`. */
export function fitOf(platform: Platform, rawBytes: number, gzipBytes: number | undefined): PlatformFit {
  const plain = measuredSize(platform, rawBytes) <= platform.limit;
  const zipped =
    !plain && platform.acceptsGzip && gzipBytes !== undefined && measuredSize(platform, gzipBytes) <= platform.limit;
  return {
    platform: platform.name,
    limit: platform.limit,
    measures: platform.measures,
    fits: plain ? 'plain' : zipped ? 'gzip' : 'no',
  };
}
