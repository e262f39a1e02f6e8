// k8s.io/component-base types shared by the kubelet's and kube-proxy's config, written from
// logs/api/v1/types.go and the generated kubelet reference (1.31), which adds the text
// format options beside json.
import { bool, durationOrNanos, int, listOf, object, quantity, str, type Shape } from './schema.ts';

const outputRouting = object({ splitStream: bool(), infoBufferSize: quantity() });

/** logs/api/v1 LoggingConfiguration. */
export const logging: Shape = object({
  format: str(),
  flushFrequency: durationOrNanos(),
  verbosity: int(),
  vmodule: listOf(object({ filePattern: str(), verbosity: int() })),
  options: object({ text: outputRouting, json: outputRouting }),
});
