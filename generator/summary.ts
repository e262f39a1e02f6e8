// What `kubeseed generate` prints: a table of the nodes and the next steps, the way
// `kubeadm init` ends with what to do next.
import { join } from 'node:path';
import type { NodeReport } from './outputs.ts';
import { ADMIN_KUBECONFIG, NODES_JSON } from './outputs.ts';
import { type ClusterSpec, formatEndpoint } from './spec/types.ts';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function fitLabel(node: NodeReport, platform: string): string {
  const fit = node.platforms.find((candidate) => candidate.platform === platform)?.fits;
  return fit === 'plain' ? 'yes' : fit === 'gzip' ? 'gzip' : 'NO';
}

// Above this many nodes the summary shows totals; the full table is in nodes.json.
const MAX_NODE_ROWS = 50;

// generate measures gzip only where plain user-data misses a platform's limit.
function gzipMeasured(nodes: readonly NodeReport[]): boolean {
  return nodes.some((node) => node.userData.gzipBytes !== undefined);
}

function gzipCell(bytes: number | undefined): string {
  return bytes === undefined ? 'fits plain' : `${bytes} B`;
}

function nodeRows(nodes: readonly NodeReport[]): string[][] {
  const gzip = gzipMeasured(nodes);
  return [
    ['NODE', 'ROLE', 'JOINS AS', 'ARCH', 'CARRIER', 'IMAGE', 'USER-DATA', ...(gzip ? ['GZIP'] : []), 'AWS 16K'],
    ...nodes.map((node) => [
      node.name,
      node.role,
      node.bootstrap === 'init' ? 'kubeadm init' : 'kubeadm join',
      node.arch,
      node.carrier,
      node.machineImage,
      `${node.userData.bytes} B${node.userData.encoding === 'gzip' ? ' (written gzipped)' : ''}`,
      ...(gzip ? [gzipCell(node.userData.gzipBytes)] : []),
      fitLabel(node, 'aws'),
    ]),
  ];
}

/** One row per role and carrier: how many nodes, their largest user-data, how many miss AWS's limit. */
function totalRows(nodes: readonly NodeReport[]): string[][] {
  const gzip = gzipMeasured(nodes);
  const groups = new Map<string, NodeReport[]>();
  for (const node of nodes) {
    const key = `${node.role} ${node.carrier}`;
    const group = groups.get(key);
    if (group) group.push(node);
    else groups.set(key, [node]);
  }
  return [
    ['ROLE', 'CARRIER', 'NODES', 'LARGEST USER-DATA', ...(gzip ? ['LARGEST GZIP'] : []), 'AWS 16K'],
    ...[...groups.values()].map((group) => {
      const misfits = group.filter((node) => fitLabel(node, 'aws') === 'NO').length;
      const zipped = group.flatMap((node) => node.userData.gzipBytes ?? []);
      return [
        group[0]!.role,
        group[0]!.carrier,
        String(group.length),
        `${Math.max(...group.map((node) => node.userData.bytes))} B`,
        ...(gzip ? [gzipCell(zipped.length === 0 ? undefined : Math.max(...zipped))] : []),
        misfits === 0 ? 'all fit' : `${misfits} do NOT fit`,
      ];
    }),
  ];
}

function describeTtl(seconds: number): string {
  if (seconds === 0) return 'never expires (tokens.ttl: 0): delete it once every node has joined';
  const hours = seconds / 3600;
  return `expires ${hours >= 1 ? `${Number(hours.toFixed(2))}h` : `${seconds}s`} after the init node runs kubeadm init: every other node must boot and join before then`;
}

export function renderSummary(
  spec: ClusterSpec,
  nodes: readonly NodeReport[],
  outDir: string,
  stateDir: string,
  createdState: boolean,
): string {
  const many = nodes.length > MAX_NODE_ROWS;
  const controlPlanes = spec.nodes.filter((node) => node.role === 'control-plane').length;
  const lines = [
    `Cluster "${spec.name}" (Kubernetes ${spec.kubernetesVersion}, API at https://${formatEndpoint(spec.controlPlaneEndpoint)})`,
    '',
    table(many ? totalRows(nodes) : nodeRows(nodes)),
    ...(many ? [`${nodes.length} nodes: each one's row is in ${join(outDir, NODES_JSON)}.`] : []),
    '',
    `State ${createdState ? 'created' : 'reused'}: ${stateDir}`,
    '  It holds the cluster CAs, the service-account key and the bootstrap token. Back it up and keep it private;',
    '  rerun generate with the same state to regenerate node outputs for the same cluster.',
    '',
    'Next steps:',
    '  1. Give each machine its carrier file as its user data: user-data (cloud-init) or config.ign (Ignition);',
    '     for local VMs, bare metal and Raspberry Pis, `kubeseed media seed|pi --node NAME` writes it to a seed image or SD card:',
    ...(many
      ? [`       NAME: ${join(outDir, 'nodes', 'NAME', 'user-data')} (config.ign for Ignition nodes)`]
      : nodes.map((node) => `       ${node.name}: ${join(outDir, node.files.userData)}`)),
    `     ${join(outDir, NODES_JSON)} lists every file and its size per platform (Terraform: jsondecode(file(...))).`,
    '  2. Boot the machines in any order. The init node forms the cluster; the others wait for the API and join.',
    `     The bootstrap token ${describeTtl(spec.tokens.ttlSeconds)}.`,
    '  3. Use the cluster as soon as the API server answers:',
    `       export KUBECONFIG=${join(outDir, ADMIN_KUBECONFIG)}`,
    '       kubectl get nodes',
    `     ${ADMIN_KUBECONFIG} is a cluster-admin credential valid for ${spec.pki.adminValidityHours / 24} days: keep it private.`,
    '     For daily use, `kubeseed kubeconfig` signs one that lives hours.',
  ];
  if (controlPlanes === 1) {
    lines.push(
      '',
      'Note: one control plane means one etcd member. Back etcd up, or run three control planes behind controlPlaneEndpoint.',
    );
  }
  return `${lines.join('\n')}\n`;
}
