// Everything `kubeseed generate` writes besides the state: one bundle and one carrier per
// node, admin.conf and nodes.json. Pure: spec + state in, files out, so the same inputs
// give byte-identical outputs.

import { KubeseedError, type Problem } from '../core/errors.ts';
import { renderCheckedBundle } from '../core/node-bundle.ts';
import { gzip, renderCloudInit } from './carriers/cloud-init.ts';
import { renderIgnition } from './carriers/ignition.ts';
import { networkConfig, nocloudMetaData } from './carriers/nocloud.ts';
import { fitOf, fitsEveryPlatform, PLATFORMS, type Platform, type PlatformFit } from './carriers/size-budgets.ts';
import { assembleNodeBundle, type PodNetworkTemplate } from './node-bundle.ts';
import { caCertHash } from './pki/ca-hash.ts';
import { renderKubeconfig } from './pki/kubeconfig.ts';
import { type ClusterSpec, formatEndpoint, type NodeSpec } from './spec/types.ts';
import type { NodeToken } from './state/node-tokens.ts';
import type { ClusterState } from './state/store.ts';

export const SECRET_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

export interface OutputFile {
  /** Relative to the output directory. */
  path: string;
  content: string | Buffer;
  mode: number;
}

export interface NodeReport {
  name: string;
  role: NodeSpec['role'];
  bootstrap: NodeSpec['bootstrap'];
  arch: NodeSpec['arch'];
  carrier: NodeSpec['carrier'];
  machineImage: NodeSpec['machineImage'];
  /** Paths relative to the output directory; `userData` is what the machine reads first (user-data or config.ign). */
  files: { bundle: string; userData: string; metaData?: string; networkConfig?: string };
  /**
   * `gzipBytes` only where the plain text misses some platform's limit: elsewhere gzip
   * decides no fit, and measuring it cost a compression per node.
   */
  userData: { bytes: number; gzipBytes?: number; encoding: 'plain' | 'gzip' };
  platforms: PlatformFit[];
}

export const ADMIN_KUBECONFIG = 'admin.conf';
export const NODES_JSON = 'nodes.json';
/** Files a node gets in the files layout: node.yaml, user-data, and NoCloud's meta-data and network-config. */
export const FILES_PER_NODE = 4;

export interface RenderContext {
  spec: ClusterSpec;
  state: ClusterState;
  podNetwork: PodNetworkTemplate;
  /** templates/kubeseed-boot.service, for carriers that install the unit themselves. */
  agentUnit: string;
  platform?: Platform;
  /** Per node, the token its bundle carries; a node absent here carries the initial token. */
  nodeTokens?: Readonly<Record<string, NodeToken>>;
  /**
   * 'files' (the default): every node's files under nodes/NAME/. 'json': none; each node's
   * carrier files are in its nodes.json entry instead, for tools that read one document.
   */
  layout?: OutputLayout;
}

export const OUTPUT_LAYOUTS = ['files', 'json'] as const;
export type OutputLayout = (typeof OUTPUT_LAYOUTS)[number];

/**
 * A node's carrier files by name (user-data or config.ign, meta-data, network-config) as
 * nodes.json holds them in the json layout: text, or base64 where the file is gzipped.
 */
export type NodeContent = Record<string, string>;

interface CarrierOutput {
  /** The file the machine reads first, by name under nodes/<name>/. */
  main: { name: string; content: string; acceptsGzip: boolean };
  extras: Record<string, string>;
}

function carrierOutput(context: RenderContext, node: NodeSpec, bundleText: string): CarrierOutput {
  if (node.carrier === 'ignition') {
    const ignition = renderIgnition({
      hostname: node.name,
      bundleText,
      sshAuthorizedKeys: node.sshAuthorizedKeys,
      agent: context.spec.agent![node.arch]!,
      ...(context.spec.kubernetesSysext?.[node.arch]
        ? { kubernetesSysext: context.spec.kubernetesSysext[node.arch]! }
        : {}),
      agentUnit: context.agentUnit,
    });
    // Ignition reads its config as JSON text: it is never gzipped.
    return { main: { name: 'config.ign', content: ignition, acceptsGzip: false }, extras: {} };
  }
  return {
    main: {
      name: 'user-data',
      content: renderCloudInit({
        hostname: node.name,
        bundleText,
        compressBundle: node.role === 'control-plane',
        sshAuthorizedKeys: node.sshAuthorizedKeys,
        ...(node.machineImage === 'stock'
          ? { stock: { agent: context.spec.agent![node.arch]!, agentUnit: context.agentUnit } }
          : {}),
      }),
      acceptsGzip: true,
    },
    extras: {
      'meta-data': nocloudMetaData({ clusterName: context.spec.name, nodeName: node.name }),
      'network-config': networkConfig(node),
    },
  };
}

function renderNode(context: RenderContext, node: NodeSpec, caHash: string) {
  const { spec, state, podNetwork, platform } = context;
  const own = context.nodeTokens?.[node.name];
  const token = own?.kind === 'own' ? own.token : state.token;
  const bundleText = renderCheckedBundle(assembleNodeBundle(spec, node, { ...state, token }, podNetwork, caHash));
  const { main, extras } = carrierOutput(context, node, bundleText);
  const bytes = Buffer.byteLength(main.content);
  const zipped = fitsEveryPlatform(bytes) ? undefined : gzip(main.content);
  const platforms = PLATFORMS.map((candidate) =>
    fitOf({ ...candidate, acceptsGzip: candidate.acceptsGzip && main.acceptsGzip }, bytes, zipped?.length),
  );
  const chosen = platform ? platforms.find((fit) => fit.platform === platform.name)! : undefined;
  const written = chosen?.fits === 'gzip' ? zipped : undefined;
  const encoding: 'plain' | 'gzip' = written ? 'gzip' : 'plain';
  const base = `nodes/${node.name}`;
  const report: NodeReport = {
    name: node.name,
    role: node.role,
    bootstrap: node.bootstrap,
    arch: node.arch,
    carrier: node.carrier,
    machineImage: node.machineImage,
    files: {
      bundle: `${base}/node.yaml`,
      userData: `${base}/${main.name}`,
      ...('meta-data' in extras ? { metaData: `${base}/meta-data`, networkConfig: `${base}/network-config` } : {}),
    },
    userData: { bytes, ...(zipped ? { gzipBytes: zipped.length } : {}), encoding },
    platforms,
  };
  const files: OutputFile[] = [
    { path: report.files.bundle, content: bundleText, mode: SECRET_MODE },
    { path: report.files.userData, content: written ?? main.content, mode: SECRET_MODE },
    ...Object.entries(extras).map(([name, content]) => ({ path: `${base}/${name}`, content, mode: SECRET_MODE })),
  ];
  const content: NodeContent = {
    [main.name]: written ? written.toString('base64') : main.content,
    ...extras,
  };
  return { report, files, content, misfit: chosen?.fits === 'no' };
}

function sizeProblem(report: NodeReport, platform: Platform): Problem {
  return {
    path: `nodes.${report.name}`,
    message: `user-data is ${report.userData.bytes} bytes${report.userData.gzipBytes === undefined ? '' : ` (${report.userData.gzipBytes} gzipped)`}; ${platform.label} allows ${platform.limit} bytes ${platform.measures === 'base64' ? 'of base64' : 'raw'}${platform.acceptsGzip ? '' : ' and does not take gzip user-data'}`,
  };
}

/**
 * Renders every output and hands each file to `emit` as soon as it is made, so that a
 * fleet's files are written while the next nodes render and never all held at once.
 * Returns each node's report. When user-data misses the platform, it throws after the last
 * node, naming every one that misses, and emits nothing more: the caller then discards
 * what it was given.
 */
export function renderOutputs(context: RenderContext, emit: (file: OutputFile) => void): NodeReport[] {
  const { spec, state, platform } = context;
  const json = context.layout === 'json';
  const caHash = caCertHash(state.pki.ca.cert);
  const reports: NodeReport[] = [];
  const contents: NodeContent[] = [];
  const misfits: NodeReport[] = [];
  for (const node of spec.nodes) {
    const rendered = renderNode(context, node, caHash);
    reports.push(rendered.report);
    if (rendered.misfit) misfits.push(rendered.report);
    if (json) contents.push(rendered.content);
    else if (misfits.length === 0) for (const file of rendered.files) emit(file);
  }
  if (platform && misfits.length > 0) {
    throw new KubeseedError(
      'size',
      `user-data does not fit ${platform.label} for ${misfits.length} node(s)`,
      misfits.map((report) => sizeProblem(report, platform)),
    );
  }
  emit({
    path: ADMIN_KUBECONFIG,
    content: renderKubeconfig({
      clusterName: spec.name,
      server: `https://${formatEndpoint(spec.controlPlaneEndpoint)}`,
      caCert: state.pki.ca.cert,
      userName: 'kubernetes-admin',
      clientCert: state.pki.admin.cert,
      clientKey: state.pki.admin.key,
    }),
    mode: SECRET_MODE,
  });
  const nodesJson = {
    cluster: spec.name,
    kubernetesVersion: spec.kubernetesVersion,
    controlPlaneEndpoint: formatEndpoint(spec.controlPlaneEndpoint),
    adminKubeconfig: ADMIN_KUBECONFIG,
    ...(platform ? { platform: platform.name } : {}),
    ...(json ? { layout: 'json' } : {}),
    nodes: Object.fromEntries(
      reports.map(({ name, ...rest }, index) => {
        if (!json) return [name, rest];
        // No files under nodes/ in this layout: their content instead of their paths.
        const { files: _paths, ...entry } = rest;
        return [name, { ...entry, content: contents[index] }];
      }),
    ),
  };
  // The json layout's nodes.json holds the bundles, with their token and keys.
  emit({
    path: NODES_JSON,
    content: `${JSON.stringify(nodesJson, null, 2)}\n`,
    mode: json ? SECRET_MODE : PUBLIC_MODE,
  });
  return reports;
}
