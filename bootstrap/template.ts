// Add-on manifests are templates with `${NAME}` placeholders filled from the bundle's
// parameters. A placeholder left without a value fails before anything is applied:
// half-rendered YAML would be applied "successfully" and break the pod network.
import { KubeseedError } from '../core/errors.ts';

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function renderTemplate(what: string, template: string, parameters: Record<string, string>): string {
  const missing = new Set<string>();
  const rendered = template.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = parameters[name];
    if (value === undefined) missing.add(name);
    return value ?? placeholder;
  });
  if (missing.size > 0) {
    throw new KubeseedError(
      'invalid-bundle',
      `${what} uses ${[...missing].map((name) => `\${${name}}`).join(', ')} but the bundle gives no value: add it to the add-on's parameters`,
    );
  }
  return rendered;
}
