// The config API groups a kubeadm --config file mixes: kubeadm's own, and the component
// configs kubeadm forwards cluster-wide (ConfigMaps kubelet-config and kube-proxy).

/** kubeadm's config API for Kubernetes 1.31 and newer. */
export const KUBEADM_API_VERSION = 'kubeadm.k8s.io/v1beta4';
export const KUBELET_API_VERSION = 'kubelet.config.k8s.io/v1beta1';
export const KUBE_PROXY_API_VERSION = 'kubeproxy.config.k8s.io/v1alpha1';
