// The catalogue of static templates (templates/index.json): what each is, where it came
// from and the sha256 it must have (checked by integrity.ts, so that reading the catalogue,
// as `validate` does, loads no hashing).
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
