// k8s.io/component-base types shared by the kubelet's and kube-proxy's config; unchanged
// from v0.31.0 to v0.36.0.
import { bool, durationOrNanos, float, int, listOf, object, quantity, type Shape, str } from './schema.ts';
import { COMPONENT_BASE_CONFIG_TYPES, LOGS_V1_TYPES, TRACING_V1_TYPES } from './upstream.ts';

const outputRouting = (goType: string) =>
  object(goType, LOGS_V1_TYPES, { splitStream: bool(), infoBufferSize: quantity() });

/** logs/api/v1 LoggingConfiguration. */
export const logging: Shape = object('LoggingConfiguration', LOGS_V1_TYPES, {
  format: str(),
  flushFrequency: durationOrNanos(),
  verbosity: int(),
  vmodule: listOf(object('VModuleItem', LOGS_V1_TYPES, { filePattern: str(), verbosity: int() })),
  options: object('FormatOptions', LOGS_V1_TYPES, {
    text: outputRouting('TextOptions'),
    json: outputRouting('JSONOptions'),
  }),
});

/** tracing/api/v1 TracingConfiguration. */
export const tracing: Shape = object('TracingConfiguration', TRACING_V1_TYPES, {
  endpoint: str(),
  samplingRatePerMillion: int(),
});

/** config/v1alpha1 ClientConnectionConfiguration. */
export const clientConnection: Shape = object('ClientConnectionConfiguration', COMPONENT_BASE_CONFIG_TYPES, {
  kubeconfig: str(),
  acceptContentTypes: str(),
  contentType: str(),
  qps: float(),
  burst: int(),
});
