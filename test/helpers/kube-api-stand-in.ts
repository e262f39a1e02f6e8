// A stand-in for the Kubernetes API server (a test double, not the real one): TLS with a
// certificate from the cluster CA, a client certificate from the same CA required, and
// only the endpoints kubeseed's day-2 commands use. It checks the bootstrap-token Secrets
// it is sent field by field, as the real token authenticator and bootstrapsigner need
// them, and rejects anything else with 422; it signs cluster-info for a token only after a
// delay, as the controller manager does; evictions answer 429 while a PodDisruptionBudget
// says no.
import { createHmac, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeOpensslCa, signServerCertificate } from './server-certificate.ts';

export const NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';
const TOKEN_KEYS = new Set([
  'token-id',
  'token-secret',
  'expiration',
  'description',
  'usage-bootstrap-authentication',
  'usage-bootstrap-signing',
  'auth-extra-groups',
]);

export interface StandInPod {
  namespace: string;
  name: string;
  node: string;
  /** `kubernetes.io/config.mirror` annotation: a static pod's mirror. */
  mirror?: boolean;
  ownerKind?: string;
  phase?: string;
  /** 429 answers before an eviction is allowed. */
  pdbRefusals?: number;
}

export interface StandInNode {
  name: string;
  address: string;
  controlPlane?: boolean;
}

export interface StandInOptions {
  /** PEM files of the CA whose certificate the server presents (the cluster CA, or a stranger's). */
  serverCa: { cert: string; key: string };
  /** The CA client certificates must chain to. */
  clientCa: string;
  signDelayMs?: number;
  forbidAll?: boolean;
  nodes?: StandInNode[];
  pods?: StandInPod[];
  /** How long an evicted pod takes to disappear. */
  podTerminationMs?: number;
}

interface StoredSecret {
  data: Record<string, string>;
  createdAt: number;
}

/** A serving certificate for 127.0.0.1 signed by the given CA (openssl, not kubeseed's own PKI code). */
export function serverCertificate(ca: { cert: string; key: string }): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-api-stand-in-'));
  try {
    writeFileSync(join(dir, 'ca.crt'), ca.cert);
    writeFileSync(join(dir, 'ca.key'), ca.key);
    signServerCertificate(dir, 'server', { cert: 'ca.crt', key: 'ca.key' });
    return { cert: readFileSync(join(dir, 'server.crt'), 'utf8'), key: readFileSync(join(dir, 'server.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A self-signed CA unrelated to the cluster (openssl). */
export function strangerCa(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseed-stranger-ca-'));
  try {
    makeOpensslCa(dir, 'ca', { subject: '/CN=kubernetes' });
    return { cert: readFileSync(join(dir, 'ca.crt'), 'utf8'), key: readFileSync(join(dir, 'ca.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The bootstrapsigner's detached JWS, written here from RFC 7515 rather than imported
// from kubeseed, so a mistake on either side shows.
function jwsDetached(content: string, id: string, secret: string): string {
  const header = Buffer.from(`{"alg":"HS256","kid":"${id}"}`).toString('base64url');
  const payload = Buffer.from(content).toString('base64url');
  const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}..${mac}`;
}

const CLUSTER_INFO_KUBECONFIG = 'apiVersion: v1\nkind: Config\nclusters: []\n';

export class KubeApiStandIn {
  readonly requests: string[] = [];
  readonly rejections: string[] = [];
  readonly secrets = new Map<string, StoredSecret>();
  readonly nodes: Map<string, StandInNode & { unschedulable: boolean }>;
  readonly pods: Map<string, StandInPod & { evictedAt?: number }>;
  /** Client certificate subjects seen, for checks on the credential kubeseed used. */
  readonly clientSubjects: string[] = [];
  private server: Server | undefined;
  port = 0;

  constructor(private readonly options: StandInOptions) {
    this.nodes = new Map((options.nodes ?? []).map((node) => [node.name, { ...node, unschedulable: false }]));
    this.pods = new Map((options.pods ?? []).map((pod) => [`${pod.namespace}/${pod.name}`, { ...pod }]));
  }

  async start(port = 0): Promise<void> {
    const { cert, key } = serverCertificate(this.options.serverCa);
    this.server = createServer(
      { cert, key, ca: this.options.clientCa, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        this.handle(req, res).catch((error: Error) => this.reply(res, 500, { message: error.message }));
      },
    );
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A token the stand-in holds, by id (decoded data). */
  secretData(id: string): Record<string, string> | undefined {
    const stored = this.secrets.get(`bootstrap-token-${id}`);
    if (!stored) return undefined;
    return Object.fromEntries(
      Object.entries(stored.data).map(([field, value]) => [field, Buffer.from(value, 'base64').toString('utf8')]),
    );
  }

  /** Adds a token as kubeadm init would have (for list/delete and expiry checks). */
  addToken(id: string, secret: string, expiration?: string): void {
    const data: Record<string, string> = {
      'token-id': id,
      'token-secret': secret,
      ...(expiration ? { expiration } : {}),
      'usage-bootstrap-authentication': 'true',
      'usage-bootstrap-signing': 'true',
      'auth-extra-groups': NODE_TOKEN_GROUP,
    };
    this.secrets.set(`bootstrap-token-${id}`, {
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      createdAt: 0,
    });
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.reply(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const route = `${req.method} ${url.pathname}`;
    this.requests.push(`${route}${url.search}`);
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) {
      this.status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const peer = new X509Certificate(socket.getPeerCertificate(false).raw);
    this.clientSubjects.push(peer.subject);
    if (this.options.forbidAll || !/^O=kubeadm:cluster-admins$/m.test(peer.subject)) {
      this.status(
        res,
        403,
        'Forbidden',
        `User "${/CN=(.*)/.exec(peer.subject)?.[1]}" cannot ${req.method} ${url.pathname}`,
      );
      return;
    }
    const body = await readBody(req);
    const secrets = /^\/api\/v1\/namespaces\/kube-system\/secrets(?:\/([^/]+))?$/.exec(url.pathname);
    if (secrets) {
      this.secretsRoute(req.method ?? '', secrets[1], url, body, res);
      return;
    }
    if (route === 'GET /api/v1/namespaces/kube-public/configmaps/cluster-info') {
      this.clusterInfo(res);
      return;
    }
    const node = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(url.pathname);
    if (node) {
      this.nodesRoute(req, node[1], body, res);
      return;
    }
    if (route === 'GET /api/v1/pods') {
      this.listPods(url, res);
      return;
    }
    const pod = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/eviction)?$/.exec(url.pathname);
    if (pod) {
      this.podRoute(req.method ?? '', pod[1]!, pod[2]!, pod[3] !== undefined, body, res);
      return;
    }
    this.rejections.push(`not implemented: ${route}`);
    this.status(res, 404, 'NotFound', `the stand-in does not implement ${route}`);
  }

  private secretsRoute(method: string, name: string | undefined, url: URL, body: string, res: ServerResponse): void {
    if (method === 'POST' && name === undefined) {
      const problems = checkTokenSecret(body);
      if (problems.length > 0) {
        this.rejections.push(...problems);
        this.status(res, 422, 'Invalid', problems.join('; '));
        return;
      }
      const secret = JSON.parse(body) as { metadata: { name: string }; data: Record<string, string> };
      if (this.secrets.has(secret.metadata.name)) {
        this.status(res, 409, 'AlreadyExists', `secrets "${secret.metadata.name}" already exists`);
        return;
      }
      this.secrets.set(secret.metadata.name, { data: secret.data, createdAt: Date.now() });
      this.reply(res, 201, secret);
      return;
    }
    if (method === 'GET' && name === undefined) {
      if (url.searchParams.get('fieldSelector') !== 'type=bootstrap.kubernetes.io/token') {
        this.rejections.push(`list secrets without the token type selector: ${url.search}`);
        this.status(res, 400, 'BadRequest', 'the stand-in lists only bootstrap tokens');
        return;
      }
      const items = [...this.secrets].map(([secretName, secret]) => this.secretObject(secretName, secret));
      this.reply(res, 200, { kind: 'SecretList', apiVersion: 'v1', items });
      return;
    }
    const stored = name === undefined ? undefined : this.secrets.get(name);
    if (!stored) {
      this.status(res, 404, 'NotFound', `secrets "${name}" not found`);
      return;
    }
    if (method === 'GET') {
      this.reply(res, 200, this.secretObject(name!, stored));
      return;
    }
    if (method === 'DELETE') {
      this.secrets.delete(name!);
      this.reply(res, 200, { kind: 'Status', status: 'Success' });
      return;
    }
    this.status(res, 405, 'MethodNotAllowed', method);
  }

  private secretObject(name: string, secret: StoredSecret): unknown {
    return {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name, namespace: 'kube-system' },
      type: 'bootstrap.kubernetes.io/token',
      data: secret.data,
    };
  }

  private clusterInfo(res: ServerResponse): void {
    const data: Record<string, string> = { kubeconfig: CLUSTER_INFO_KUBECONFIG };
    const now = Date.now();
    for (const [id, secret] of [...this.secrets.keys()].map(
      (name) =>
        [name.slice('bootstrap-token-'.length), this.secretData(name.slice('bootstrap-token-'.length))!] as const,
    )) {
      const created = this.secrets.get(`bootstrap-token-${id}`)!.createdAt;
      const expired = secret.expiration !== undefined && Date.parse(secret.expiration) <= now;
      if (
        now - created >= (this.options.signDelayMs ?? 1500) &&
        !expired &&
        secret['usage-bootstrap-signing'] === 'true'
      ) {
        data[`jws-kubeconfig-${id}`] = jwsDetached(CLUSTER_INFO_KUBECONFIG, id, secret['token-secret']!);
      }
    }
    this.reply(res, 200, {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'cluster-info', namespace: 'kube-public' },
      data,
    });
  }

  private nodeObject(node: StandInNode & { unschedulable: boolean }): unknown {
    return {
      kind: 'Node',
      apiVersion: 'v1',
      metadata: {
        name: node.name,
        labels: node.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {},
      },
      spec: node.unschedulable ? { unschedulable: true } : {},
      status: {
        addresses: [
          { type: 'InternalIP', address: node.address },
          { type: 'Hostname', address: node.name },
        ],
      },
    };
  }

  private nodesRoute(req: IncomingMessage, name: string | undefined, body: string, res: ServerResponse): void {
    if (req.method === 'GET' && name === undefined) {
      this.reply(res, 200, {
        kind: 'NodeList',
        apiVersion: 'v1',
        items: [...this.nodes.values()].map((n) => this.nodeObject(n)),
      });
      return;
    }
    const node = name === undefined ? undefined : this.nodes.get(name);
    if (!node) {
      this.status(res, 404, 'NotFound', `nodes "${name}" not found`);
      return;
    }
    if (req.method === 'GET') {
      this.reply(res, 200, this.nodeObject(node));
      return;
    }
    if (req.method === 'PATCH') {
      const type = req.headers['content-type'];
      if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json') {
        this.rejections.push(`PATCH node with content-type ${type}`);
        this.status(res, 415, 'UnsupportedMediaType', String(type));
        return;
      }
      const patch = JSON.parse(body) as { spec?: { unschedulable?: boolean } };
      if (typeof patch.spec?.unschedulable !== 'boolean' || Object.keys(patch).length !== 1) {
        this.rejections.push(`unexpected node patch ${body}`);
        this.status(res, 422, 'Invalid', 'the stand-in accepts only spec.unschedulable patches');
        return;
      }
      node.unschedulable = patch.spec.unschedulable;
      this.reply(res, 200, this.nodeObject(node));
      return;
    }
    if (req.method === 'DELETE') {
      this.nodes.delete(node.name);
      this.reply(res, 200, { kind: 'Status', status: 'Success' });
      return;
    }
    this.status(res, 405, 'MethodNotAllowed', String(req.method));
  }

  private livePods(): Array<StandInPod & { evictedAt?: number }> {
    const now = Date.now();
    for (const [key, pod] of this.pods) {
      if (pod.evictedAt !== undefined && now - pod.evictedAt >= (this.options.podTerminationMs ?? 300))
        this.pods.delete(key);
    }
    return [...this.pods.values()];
  }

  private podObject(pod: StandInPod): unknown {
    return {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: {
        name: pod.name,
        namespace: pod.namespace,
        uid: `uid-${pod.namespace}-${pod.name}`,
        ...(pod.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'hash' } } : {}),
        ...(pod.ownerKind ? { ownerReferences: [{ kind: pod.ownerKind, name: 'owner', controller: true }] } : {}),
      },
      spec: { nodeName: pod.node },
      status: { phase: pod.phase ?? 'Running' },
    };
  }

  private listPods(url: URL, res: ServerResponse): void {
    const selector = /^spec\.nodeName=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '');
    if (!selector) {
      this.rejections.push(`list pods without a node selector: ${url.search}`);
      this.status(res, 400, 'BadRequest', 'the stand-in lists pods of one node only');
      return;
    }
    const items = this.livePods()
      .filter((pod) => pod.node === selector[1])
      .map((pod) => this.podObject(pod));
    this.reply(res, 200, { kind: 'PodList', apiVersion: 'v1', items });
  }

  private podRoute(
    method: string,
    namespace: string,
    name: string,
    eviction: boolean,
    body: string,
    res: ServerResponse,
  ): void {
    this.livePods();
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) {
      this.status(res, 404, 'NotFound', `pods "${name}" not found`);
      return;
    }
    if (!eviction && method === 'GET') {
      this.reply(res, 200, this.podObject(pod));
      return;
    }
    if (!eviction || method !== 'POST') {
      this.status(res, 405, 'MethodNotAllowed', method);
      return;
    }
    const request = JSON.parse(body) as {
      apiVersion?: string;
      kind?: string;
      metadata?: { name?: string; namespace?: string };
    };
    if (
      request.apiVersion !== 'policy/v1' ||
      request.kind !== 'Eviction' ||
      request.metadata?.name !== name ||
      request.metadata?.namespace !== namespace
    ) {
      this.rejections.push(`malformed eviction ${body}`);
      this.status(res, 400, 'BadRequest', 'malformed Eviction');
      return;
    }
    if ((pod.pdbRefusals ?? 0) > 0) {
      pod.pdbRefusals! -= 1;
      this.status(res, 429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");
      return;
    }
    pod.evictedAt ??= Date.now();
    this.reply(res, 201, { kind: 'Status', status: 'Success' });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** What the token authenticator and bootstrapsigner need, checked exactly. */
function checkTokenSecret(body: string): string[] {
  let secret: Record<string, unknown>;
  try {
    secret = JSON.parse(body);
  } catch {
    return ['body is not JSON'];
  }
  const problems: string[] = [];
  const topKeys = Object.keys(secret).sort().join(',');
  if (topKeys !== 'apiVersion,data,kind,metadata,type') problems.push(`top-level fields are ${topKeys}`);
  if (secret.apiVersion !== 'v1' || secret.kind !== 'Secret') problems.push('not a v1 Secret');
  if (secret.type !== 'bootstrap.kubernetes.io/token') problems.push(`type is ${String(secret.type)}`);
  const metadata = (secret.metadata ?? {}) as Record<string, unknown>;
  if (Object.keys(metadata).sort().join(',') !== 'name,namespace' || metadata.namespace !== 'kube-system') {
    problems.push(`metadata is ${JSON.stringify(metadata)}`);
  }
  const raw = (secret.data ?? {}) as Record<string, unknown>;
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!TOKEN_KEYS.has(key)) problems.push(`unexpected data key ${key}`);
    if (typeof value !== 'string' || Buffer.from(value, 'base64').toString('base64') !== value) {
      problems.push(`data.${key} is not base64`);
      continue;
    }
    data[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  const id = data['token-id'] ?? '';
  if (!/^[a-z0-9]{6}$/.test(id)) problems.push('token-id is not [a-z0-9]{6}');
  if (metadata.name !== `bootstrap-token-${id}`) problems.push(`name ${String(metadata.name)} does not match token-id`);
  if (!/^[a-z0-9]{16}$/.test(data['token-secret'] ?? '')) problems.push('token-secret is not [a-z0-9]{16}');
  const expiration = data.expiration;
  if (expiration !== undefined) {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(expiration))
      problems.push(`expiration ${expiration} is not RFC 3339 UTC`);
    else if (Date.parse(expiration) <= Date.now()) problems.push(`expiration ${expiration} is in the past`);
  }
  if (data['usage-bootstrap-authentication'] !== 'true') problems.push('usage-bootstrap-authentication is not "true"');
  if (data['usage-bootstrap-signing'] !== 'true') problems.push('usage-bootstrap-signing is not "true"');
  if (data['auth-extra-groups'] !== NODE_TOKEN_GROUP)
    problems.push(`auth-extra-groups is ${data['auth-extra-groups']}`);
  return problems;
}
