// containerd's own default sandbox (pause) image, per release line: what a node runs when
// its config names none. Read at every tag of each line: v1.7.0…v1.7.34 in
// pkg/cri/config/config_unix.go DefaultConfig() SandboxImage (config version 2 key
// [plugins."io.containerd.grpc.v1.cri"] sandbox_image); v2.0.0…v2.3.4 in
// internal/cri/config/config.go DefaultSandboxImage, used as PinnedImages["sandbox"]
// (config version 3 key [plugins.'io.containerd.cri.v1.images'.pinned_images] sandbox).
// The containerd the agent tests run (Debian bookworm's 1.6.20) is asked directly:
// `containerd config default`. None of these equals kubeadm's pause for every supported
// minor, so the node's config must name kubeadm's.

export const CONTAINERD_DEFAULT_SANDBOX: Readonly<Record<string, string>> = {
  '1.7': 'registry.k8s.io/pause:3.8',
  '2.0': 'registry.k8s.io/pause:3.10',
  '2.1': 'registry.k8s.io/pause:3.10',
  '2.2': 'registry.k8s.io/pause:3.10.1',
  '2.3': 'registry.k8s.io/pause:3.10.2',
};
