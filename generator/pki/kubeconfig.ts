// A kubeconfig laid out as client-go's clientcmd writes it (kubeadm's CreateWithCerts):
// keys in alphabetical order, credentials embedded as base64 *-data so the file stands
// alone, and one context named <user>@<cluster> made current.
import { stringifyYaml } from '../../core/yaml-stringify.ts';

export function renderKubeconfig(opts: {
  clusterName: string;
  server: string;
  caCert: string;
  userName: string;
  clientCert: string;
  clientKey: string;
}): string {
  const context = `${opts.userName}@${opts.clusterName}`;
  const config = {
    apiVersion: 'v1',
    clusters: [
      { cluster: { 'certificate-authority-data': base64(opts.caCert), server: opts.server }, name: opts.clusterName },
    ],
    contexts: [{ context: { cluster: opts.clusterName, user: opts.userName }, name: context }],
    'current-context': context,
    kind: 'Config',
    preferences: {},
    users: [
      {
        name: opts.userName,
        user: { 'client-certificate-data': base64(opts.clientCert), 'client-key-data': base64(opts.clientKey) },
      },
    ],
  };
  // Never folded (lineWidth 0): a wrapped base64 value would no longer decode.
  return stringifyYaml(config);
}

function base64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}
