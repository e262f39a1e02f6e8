// The k8s.io/api/core/v1 types that kubeadm and the kubelet embed in their config.
import { bool, listOf, object, quantity, str, type Shape } from './schema.ts';

/** corev1.Taint. */
const taint: Shape = object({
  key: str(),
  value: str(),
  effect: str({ oneOf: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }),
  timeAdded: str(),
});

export const taints: Shape = listOf(taint);

/** corev1.PullPolicy. */
export const pullPolicy: Shape = str({ oneOf: ['Always', 'IfNotPresent', 'Never'] });

/** corev1.HostPathType. */
export const hostPathType: Shape = str({
  oneOf: ['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'],
});

const keySelector = object({ name: str(), key: str(), optional: bool() });

/** corev1.EnvVar with the EnvVarSource kinds a static pod can use. */
export const envVar: Shape = object({
  name: str(),
  value: str(),
  valueFrom: object({
    fieldRef: object({ apiVersion: str(), fieldPath: str() }),
    resourceFieldRef: object({ containerName: str(), resource: str(), divisor: quantity() }),
    configMapKeyRef: keySelector,
    secretKeyRef: keySelector,
  }),
});
