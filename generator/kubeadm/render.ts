// Renders the multi-document file one machine passes to `kubeadm init|join --config`.
import { KubeseedError, type Problem } from '../../core/errors.ts';
import { SHA256_DIGEST } from '../../core/formats.ts';
import { stringifyYaml } from '../../core/yaml-stringify.ts';
import type { ClusterSpec, NodeSpec } from '../spec/types.ts';
import { clusterConfiguration } from './cluster-configuration.ts';
import { kubeletConfiguration, kubeProxyConfiguration } from './component-configuration.ts';
import { initConfiguration } from './init-configuration.ts';
import { joinConfiguration } from './join-configuration.ts';

export interface KubeadmRenderInput {
  spec: ClusterSpec;
  node: NodeSpec;
  token: { id: string; secret: string };
  caCertHash: string;
}

// kubeadm reads YAML with go-yaml, where a bare yes/on/no is a bool: quote as YAML 1.1 does.
// No line folding (stringifyYaml never folds), so a long node-labels value stays one line.
const YAML_OPTIONS = { version: '1.1' } as const;

// Values are never echoed: the token secret must not reach a log.
function inputProblems({ token, caCertHash }: KubeadmRenderInput): Problem[] {
  const problems: Problem[] = [];
  if (!/^[a-z0-9]{6}$/.test(token.id)) problems.push({ path: 'token.id', message: 'must be 6 characters of [a-z0-9]' });
  if (!/^[a-z0-9]{16}$/.test(token.secret))
    problems.push({ path: 'token.secret', message: 'must be 16 characters of [a-z0-9]' });
  if (!SHA256_DIGEST.test(caCertHash))
    problems.push({ path: 'caCertHash', message: 'must be sha256: and 64 lowercase hex digits' });
  return problems;
}

function documentsFor(input: KubeadmRenderInput): Record<string, unknown>[] {
  const { spec, node, caCertHash } = input;
  const token = `${input.token.id}.${input.token.secret}`;
  if (node.bootstrap !== 'init') return [joinConfiguration(spec, node, token, caCertHash)];
  return [
    initConfiguration(spec, node, token),
    clusterConfiguration(spec),
    kubeletConfiguration(),
    kubeProxyConfiguration(spec),
  ];
}

export function renderKubeadmConfig(input: KubeadmRenderInput): string {
  const problems = inputProblems(input);
  if (problems.length > 0)
    throw new KubeseedError('invalid-state', 'the bootstrap token or CA hash in state/ is malformed', problems);
  return documentsFor(input)
    .map((document) => stringifyYaml(document, YAML_OPTIONS))
    .join('---\n');
}
