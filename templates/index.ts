// The catalogue of static templates (templates/index.json): what each is, where it came
// from and the sha256 it must have. Functions take the templates directory as an argument
// because the same check runs on the repository and on a machine image's installed copy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import index from './index.json' with { type: 'json' };

const IP_FAMILIES = ['IPv4', 'IPv6'] as const;
export type IpFamily = (typeof IP_FAMILIES)[number];

export interface TemplateFile {
  /** Path relative to the templates directory. */
  file: string;
  sha256: string;
  source: string;
}

export interface PodNetworkTemplateEntry extends TemplateFile {
  version: string;
  /** sha256 of the file as upstream publishes it, before the placeholders went in. */
  upstreamSha256: string;
  /** `${NAME}` placeholders the agent fills from the add-on's parameters. */
  parameters: string[];
  /** Container images the manifest runs: they belong in air-gap archives. */
  images: string[];
  /** Pod subnet families this template can carry. */
  ipFamilies: IpFamily[];
  note: string;
}

function isIpFamily(value: string): value is IpFamily {
  return (IP_FAMILIES as readonly string[]).includes(value);
}

function typedPodNetworks(raw: typeof index.podNetworks): Record<string, PodNetworkTemplateEntry> {
  return Object.fromEntries(
    Object.entries(raw).map(([name, entry]) => {
      const ipFamilies = entry.ipFamilies.filter(isIpFamily);
      if (ipFamilies.length !== entry.ipFamilies.length) {
        throw new Error(
          `templates/index.json: podNetworks.${name}.ipFamilies: only ${IP_FAMILIES.join(' and ')} are known`,
        );
      }
      return [name, { ...entry, ipFamilies }];
    }),
  );
}

export const podNetworks: Record<string, PodNetworkTemplateEntry> = typedPodNetworks(index.podNetworks);
export const systemdUnits: Record<string, TemplateFile> = index.systemdUnits;

/** Every file the index pins, under its section and name (e.g. `podNetworks.flannel`). */
export function indexedTemplates(): Array<{ key: string } & TemplateFile> {
  const sections: Record<string, Record<string, TemplateFile>> = { podNetworks, systemdUnits };
  return Object.entries(sections).flatMap(([section, entries]) =>
    Object.entries(entries).map(([name, entry]) => ({ key: `${section}.${name}`, ...entry })),
  );
}

export function sha256Hex(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export interface TemplateMismatch {
  key: string;
  file: string;
  expected: string;
  /** The file's sha256, or undefined when it is missing. */
  actual: string | undefined;
}

function fileSha256(path: string): string | undefined {
  try {
    return sha256Hex(readFileSync(path));
  } catch {
    return undefined;
  }
}

/** Recomputes every indexed template's sha256 under `templatesDir`. */
export function templateSha256Ok(templatesDir: string): { ok: boolean; mismatches: TemplateMismatch[] } {
  const mismatches = indexedTemplates().flatMap(({ key, file, sha256 }) => {
    const actual = fileSha256(join(templatesDir, file));
    return actual === sha256 ? [] : [{ key, file, expected: sha256, actual }];
  });
  return { ok: mismatches.length === 0, mismatches };
}
