// The k8s.io/api/core/v1 types that kubeadm and the kubelet embed in their config.
import { bool, listOf, object, quantity, type Shape, str, time, versioned } from './schema.ts';
import { CORE_V1_TYPES } from './upstream.ts';

/** corev1.Taint. */
const taint: Shape = object('Taint', CORE_V1_TYPES, {
  key: str(),
  value: str(),
  effect: str('NoSchedule', 'PreferNoSchedule', 'NoExecute'),
  timeAdded: time(),
});

export const taints: Shape = listOf(taint);

/** corev1.PullPolicy. */
export const pullPolicy: Shape = str('Always', 'IfNotPresent', 'Never');

/** corev1.HostPathType. */
export const hostPathType: Shape = str(
  '',
  'DirectoryOrCreate',
  'Directory',
  'FileOrCreate',
  'File',
  'Socket',
  'CharDevice',
  'BlockDevice',
);

const keySelector = (goType: string) => object(goType, CORE_V1_TYPES, { name: str(), key: str(), optional: bool() });

/** corev1.EnvVar with every EnvVarSource kind. */
export const envVar: Shape = object('EnvVar', CORE_V1_TYPES, {
  name: str(),
  value: str(),
  valueFrom: object('EnvVarSource', CORE_V1_TYPES, {
    fieldRef: object('ObjectFieldSelector', CORE_V1_TYPES, { apiVersion: str(), fieldPath: str() }),
    resourceFieldRef: object('ResourceFieldSelector', CORE_V1_TYPES, {
      containerName: str(),
      resource: str(),
      divisor: quantity(),
    }),
    configMapKeyRef: keySelector('ConfigMapKeySelector'),
    secretKeyRef: keySelector('SecretKeySelector'),
    fileKeyRef: versioned(
      object('FileKeySelector', CORE_V1_TYPES, { volumeName: str(), path: str(), key: str(), optional: bool() }),
      {
        since: '1.34',
        evidence:
          'kubernetes/api core/v1/types.go has it from v0.34.0; release-1.34 notes "Added a new FileKeyRef field to containers"',
      },
    ),
  }),
});
