// Cordon and drain as `kubectl drain --ignore-daemonsets --delete-emptydir-data` does it:
// mark the node unschedulable, then ask the Eviction API to move every pod that a
// controller will recreate elsewhere. Mirror pods (static pods) and DaemonSet pods stay;
// finished pods need no eviction. A 429 means a PodDisruptionBudget says not now: the
// eviction is retried until the timeout, never forced.
import { KubeseedError } from '../../core/errors.ts';
import type { ClusterApi } from './client.ts';

export interface DrainClock {
  timeoutMs: number;
  pollMs: number;
  sleep(ms: number): Promise<void>;
  now(): number;
  log(message: string): void;
}

interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export async function cordon(api: ClusterApi, node: string): Promise<void> {
  await api.call(`cordon Node ${node}`, 'PATCH', `/api/v1/nodes/${encodeURIComponent(node)}`, {
    body: { spec: { unschedulable: true } },
    contentType: 'application/merge-patch+json',
  });
}

function podsOnNodePath(node: string): string {
  return `/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`;
}

async function podsToEvict(api: ClusterApi, node: string): Promise<{ evict: PodRef[]; kept: string[] }> {
  const { body } = await api.call(`list the pods on ${node}`, 'GET', podsOnNodePath(node));
  const evict: PodRef[] = [];
  const kept: string[] = [];
  for (const item of (body as { items?: unknown[] }).items ?? []) {
    const pod = item as {
      metadata?: {
        name?: string;
        namespace?: string;
        uid?: string;
        annotations?: Record<string, string>;
        ownerReferences?: Array<{ kind?: string; controller?: boolean }>;
      };
      status?: { phase?: string };
    };
    const meta = pod.metadata ?? {};
    const ref = { namespace: meta.namespace ?? '', name: meta.name ?? '', uid: meta.uid ?? '' };
    const label = `${ref.namespace}/${ref.name}`;
    if (MIRROR_ANNOTATION in (meta.annotations ?? {})) kept.push(`${label} (static pod)`);
    else if ((meta.ownerReferences ?? []).some((owner) => owner.controller && owner.kind === 'DaemonSet'))
      kept.push(`${label} (DaemonSet)`);
    else if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') kept.push(`${label} (finished)`);
    else evict.push(ref);
  }
  return { evict, kept };
}

async function evict(api: ClusterApi, pod: PodRef): Promise<'evicted' | 'blocked'> {
  const path = `/api/v1/namespaces/${encodeURIComponent(pod.namespace)}/pods/${encodeURIComponent(pod.name)}/eviction`;
  const { status } = await api.call(`evict pod ${pod.namespace}/${pod.name}`, 'POST', path, {
    body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } },
    expect: [404, 429],
  });
  return status === 429 ? 'blocked' : 'evicted';
}

export async function drain(api: ClusterApi, node: string, clock: DrainClock): Promise<{ evicted: string[] }> {
  const deadline = clock.now() + clock.timeoutMs;
  const { evict: pods, kept } = await podsToEvict(api, node);
  if (kept.length > 0) clock.log(`leaving ${kept.join(', ')}`);
  let blocked = pods;
  for (;;) {
    const stillBlocked: PodRef[] = [];
    for (const pod of blocked) {
      if ((await evict(api, pod)) === 'blocked') stillBlocked.push(pod);
      else clock.log(`evicted ${pod.namespace}/${pod.name}`);
    }
    blocked = stillBlocked;
    if (blocked.length === 0) break;
    if (clock.now() >= deadline) {
      throw drainTimeout(
        node,
        clock,
        blocked.map((pod) => `${pod.namespace}/${pod.name} (a PodDisruptionBudget does not allow evicting it now)`),
      );
    }
    await clock.sleep(clock.pollMs);
  }
  // Evicted pods terminate with their grace period; the node is empty only once they are gone.
  const uids = new Set(pods.map((pod) => pod.uid));
  for (;;) {
    const { body } = await api.call(`list the pods on ${node}`, 'GET', podsOnNodePath(node));
    const remaining = (
      (body as { items?: Array<{ metadata?: { uid?: string; namespace?: string; name?: string } }> }).items ?? []
    )
      .filter((pod) => uids.has(pod.metadata?.uid ?? ''))
      .map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name} (still terminating)`);
    if (remaining.length === 0) break;
    if (clock.now() >= deadline) throw drainTimeout(node, clock, remaining);
    await clock.sleep(clock.pollMs);
  }
  return { evicted: pods.map((pod) => `${pod.namespace}/${pod.name}`) };
}

function drainTimeout(node: string, clock: DrainClock, pods: string[]): KubeseedError {
  return new KubeseedError(
    'cluster-refused',
    `draining ${node} did not finish within ${Math.round(clock.timeoutMs / 1000)} s: ${pods.join(', ')}; ${node} stays cordoned and in the cluster. Run again later or with a longer --timeout (\`kubectl uncordon ${node}\` to give up)`,
  );
}
