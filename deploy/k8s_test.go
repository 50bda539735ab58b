package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
	"github.com/pikaraft/pikaraft/node/nodetest"
)

// The parts of the Kubernetes objects the checks read.
type (
	k8sObject struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name   string            `yaml:"name"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"metadata"`
		Data map[string]string `yaml:"data"`
		Spec k8sSpec           `yaml:"spec"`
	}
	k8sSpec struct {
		// Service
		ClusterIP                string           `yaml:"clusterIP"`
		PublishNotReadyAddresses bool             `yaml:"publishNotReadyAddresses"`
		Selector                 k8sSelector      `yaml:"selector"`
		Ports                    []k8sServicePort `yaml:"ports"`
		// StatefulSet
		ServiceName         string `yaml:"serviceName"`
		Replicas            int    `yaml:"replicas"`
		PodManagementPolicy string `yaml:"podManagementPolicy"`
		Template            struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []k8sContainer `yaml:"containers"`
				Volumes    []struct {
					Name      string `yaml:"name"`
					ConfigMap struct {
						Name string `yaml:"name"`
					} `yaml:"configMap"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
			Spec struct {
				AccessModes []string `yaml:"accessModes"`
				Resources   struct {
					Requests map[string]string `yaml:"requests"`
				} `yaml:"resources"`
			} `yaml:"spec"`
		} `yaml:"volumeClaimTemplates"`
		// PodDisruptionBudget
		MaxUnavailable *int `yaml:"maxUnavailable"`
		MinAvailable   *int `yaml:"minAvailable"`
		// ServiceMonitor
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"endpoints"`
	}
	// k8sSelector reads both a Service's plain selector and a
	// matchLabels one.
	k8sSelector struct {
		Labels map[string]string
	}
	k8sServicePort struct {
		Name       string `yaml:"name"`
		Port       int    `yaml:"port"`
		TargetPort string `yaml:"targetPort"`
		Protocol   string `yaml:"protocol"`
	}
	k8sContainer struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Env   []struct {
			Name      string `yaml:"name"`
			ValueFrom struct {
				FieldRef struct {
					FieldPath string `yaml:"fieldPath"`
				} `yaml:"fieldRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
			Protocol      string `yaml:"protocol"`
		} `yaml:"ports"`
		ReadinessProbe k8sProbe `yaml:"readinessProbe"`
		LivenessProbe  k8sProbe `yaml:"livenessProbe"`
		VolumeMounts   []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	k8sProbe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
		TCPSocket *struct {
			Port string `yaml:"port"`
		} `yaml:"tcpSocket"`
	}
)

func (s *k8sSelector) UnmarshalYAML(n *yaml.Node) error {
	var raw map[string]any
	if err := n.Decode(&raw); err != nil {
		return err
	}
	s.Labels = map[string]string{}
	src := raw
	if ml, ok := raw["matchLabels"].(map[string]any); ok {
		src = ml
	}
	for k, v := range src {
		str, ok := v.(string)
		if !ok {
			return fmt.Errorf("selector %s: not a string", k)
		}
		s.Labels[k] = str
	}
	return nil
}

// loadK8s reads every object of the files kustomization.yaml lists, and
// checks the list is exactly the manifests in deploy/k8s.
func loadK8s(t *testing.T) []k8sObject {
	t.Helper()
	raw, err := os.ReadFile("k8s/kustomization.yaml")
	require.NoError(t, err)
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &kust))
	files, err := filepath.Glob("k8s/*.yaml")
	require.NoError(t, err)
	var manifests []string
	for _, f := range files {
		if filepath.Base(f) != "kustomization.yaml" {
			manifests = append(manifests, filepath.Base(f))
		}
	}
	require.ElementsMatch(t, manifests, kust.Resources, "kustomization.yaml lists every manifest")
	var objs []k8sObject
	for _, f := range kust.Resources {
		raw, err := os.ReadFile(filepath.Join("k8s", f))
		require.NoError(t, err)
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(false)
		for {
			var o k8sObject
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, f)
			require.NotEmpty(t, o.APIVersion, f)
			require.NotEmpty(t, o.Kind, f)
			require.NotEmpty(t, o.Metadata.Name, f)
			objs = append(objs, o)
		}
	}
	return objs
}

func findK8s(t *testing.T, objs []k8sObject, kind string, pick func(k8sObject) bool) k8sObject {
	t.Helper()
	var found []k8sObject
	for _, o := range objs {
		if o.Kind == kind && (pick == nil || pick(o)) {
			found = append(found, o)
		}
	}
	require.Len(t, found, 1, "exactly one %s", kind)
	return found[0]
}

// selects reports whether a selector matches labels.
func selects(sel map[string]string, labels map[string]string) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// flagMap turns "--flag value" pairs into a map (every flag here takes a value).
func flagMap(t *testing.T, args []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for i := 0; i < len(args); i += 2 {
		require.True(t, strings.HasPrefix(args[i], "-"), "flag expected at %d: %q", i, args[i])
		require.Less(t, i+1, len(args), "flag %s has no value", args[i])
		m[strings.TrimLeft(args[i], "-")] = args[i+1]
	}
	return m
}

// binaryFlags returns the flags `pikaraft --help` lists.
func binaryFlags(t *testing.T) []string {
	t.Helper()
	out, _ := exec.Command(nodetest.Binary(t), "--help").CombinedOutput()
	var flags []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(line, "  -") {
			flags = append(flags, strings.TrimLeft(f[0], "-"))
		}
	}
	require.Contains(t, flags, "bootstrap-expect", "pikaraft --help:\n%s", out)
	return flags
}

// TestK8sManifests checks the StatefulSet, services, PDB and ServiceMonitor
// for required fields and for agreement with each other and with
// pikaraft's ports (P, P+3000 Raft, P+4000 gossip, P+5000 metrics) and flags.
func TestK8sManifests(t *testing.T) {
	objs := loadK8s(t)
	sts := findK8s(t, objs, "StatefulSet", nil)
	require.Equal(t, "apps/v1", sts.APIVersion)
	require.Equal(t, 3, sts.Spec.Replicas)
	require.Equal(t, "Parallel", sts.Spec.PodManagementPolicy, "bootstrap-expect needs every pod up before any is ready")
	podLabels := sts.Spec.Template.Metadata.Labels
	require.True(t, selects(sts.Spec.Selector.Labels, podLabels), "StatefulSet selector matches its pods")

	headless := findK8s(t, objs, "Service", func(o k8sObject) bool { return o.Metadata.Name == sts.Spec.ServiceName })
	require.Equal(t, "None", headless.Spec.ClusterIP)
	require.True(t, headless.Spec.PublishNotReadyAddresses, "peers must resolve each other before they are ready")
	client := findK8s(t, objs, "Service", func(o k8sObject) bool { return o.Metadata.Name != sts.Spec.ServiceName })
	require.NotEqual(t, "None", client.Spec.ClusterIP)

	cm := findK8s(t, objs, "ConfigMap", nil)
	conf, err := pikaconf.Parse(strings.NewReader(cm.Data["pika.conf"]), "pika.conf")
	require.NoError(t, err)
	p := int(conf.Int("port", 0))
	require.Equal(t, 9221, p, "pikaraft's default client port")
	wantPorts := map[string][2]any{
		"redis": {p, "TCP"}, "raft": {p + 3000, "TCP"}, "gossip": {p + 4000, "TCP"},
		"gossip-udp": {p + 4000, "UDP"}, "metrics": {p + 5000, "TCP"},
	}

	require.Len(t, sts.Spec.Template.Spec.Containers, 1)
	c := sts.Spec.Template.Spec.Containers[0]
	containerPorts := map[string]int{}
	for _, cp := range c.Ports {
		proto := cp.Protocol
		if proto == "" {
			proto = "TCP"
		}
		want, ok := wantPorts[cp.Name]
		require.True(t, ok, "unexpected container port %s", cp.Name)
		require.Equal(t, want, [2]any{cp.ContainerPort, proto}, "container port %s", cp.Name)
		containerPorts[cp.Name] = cp.ContainerPort
	}
	require.Len(t, containerPorts, len(wantPorts))

	for _, svc := range []k8sObject{headless, client} {
		require.True(t, selects(svc.Spec.Selector.Labels, podLabels), "service %s selects the pods", svc.Metadata.Name)
		for _, sp := range svc.Spec.Ports {
			cp, ok := containerPorts[sp.TargetPort]
			require.True(t, ok, "service %s port %s targets a container port", svc.Metadata.Name, sp.Name)
			require.Equal(t, cp, sp.Port, "service %s port %s", svc.Metadata.Name, sp.Name)
		}
	}
	require.Len(t, headless.Spec.Ports, len(wantPorts), "the headless service carries every peer port")

	// Probes: ready from /health on P+5000; alive from the client port.
	require.NotNil(t, c.ReadinessProbe.HTTPGet)
	require.Equal(t, "/health", c.ReadinessProbe.HTTPGet.Path)
	require.Equal(t, p+5000, containerPorts[c.ReadinessProbe.HTTPGet.Port])
	require.NotNil(t, c.LivenessProbe.TCPSocket)
	require.Equal(t, p, containerPorts[c.LivenessProbe.TCPSocket.Port])

	// Flags: known to the binary; bootstrap-expect = replicas; join through
	// the headless names on the gossip port; advertise the pod IP.
	flags := flagMap(t, c.Args)
	known := binaryFlags(t)
	for f := range flags {
		require.Contains(t, known, f, "pikaraft has flag --%s", f)
	}
	require.Equal(t, strconv.Itoa(sts.Spec.Replicas), flags["bootstrap-expect"])
	var join []string
	for i := 0; i < sts.Spec.Replicas; i++ {
		join = append(join, fmt.Sprintf("%s-%d.%s.$(POD_NAMESPACE).svc.cluster.local:%d",
			sts.Metadata.Name, i, headless.Metadata.Name, p+4000))
	}
	require.Equal(t, strings.Join(join, ","), flags["join"])
	require.Equal(t, "$(POD_NAME)", flags["node-id"])
	require.Equal(t, fmt.Sprintf("$(POD_IP):%d", p+3000), flags["raft-advertise"])
	require.Equal(t, "0.0.0.0", flags["bind"])
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.ValueFrom.FieldRef.FieldPath
	}
	require.Equal(t, map[string]string{"POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace",
		"POD_IP": "status.podIP"}, env)

	// Volumes: data from the claim template at --data-dir, config from the ConfigMap at -c.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	require.Len(t, sts.Spec.VolumeClaimTemplates, 1)
	vct := sts.Spec.VolumeClaimTemplates[0]
	require.Equal(t, flags["data-dir"], mounts[vct.Metadata.Name])
	require.Equal(t, []string{"ReadWriteOnce"}, vct.Spec.AccessModes)
	require.NotEmpty(t, vct.Spec.Resources.Requests["storage"])
	var cfgVolume string
	for _, v := range sts.Spec.Template.Spec.Volumes {
		if v.ConfigMap.Name == cm.Metadata.Name {
			cfgVolume = v.Name
		}
	}
	require.NotEmpty(t, cfgVolume, "the ConfigMap is mounted")
	require.Equal(t, filepath.Join(mounts[cfgVolume], "pika.conf"), flags["c"])

	// PodDisruptionBudget keeps a Raft majority.
	pdb := findK8s(t, objs, "PodDisruptionBudget", nil)
	require.Equal(t, "policy/v1", pdb.APIVersion)
	require.True(t, selects(pdb.Spec.Selector.Labels, podLabels))
	quorum := sts.Spec.Replicas/2 + 1
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		require.LessOrEqual(t, *pdb.Spec.MaxUnavailable, sts.Spec.Replicas-quorum)
		require.Positive(t, *pdb.Spec.MaxUnavailable)
	case pdb.Spec.MinAvailable != nil:
		require.GreaterOrEqual(t, *pdb.Spec.MinAvailable, quorum)
		require.Less(t, *pdb.Spec.MinAvailable, sts.Spec.Replicas)
	default:
		t.Fatal("PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}

	// ServiceMonitor scrapes /metrics through a service that has the port.
	sm := findK8s(t, objs, "ServiceMonitor", nil)
	require.Equal(t, "monitoring.coreos.com/v1", sm.APIVersion)
	require.True(t, selects(sm.Spec.Selector.Labels, headless.Metadata.Labels), "ServiceMonitor selects the headless service")
	require.False(t, selects(sm.Spec.Selector.Labels, client.Metadata.Labels), "and not the client service (pods scraped twice)")
	require.Len(t, sm.Spec.Endpoints, 1)
	require.Equal(t, "/metrics", sm.Spec.Endpoints[0].Path)
	require.True(t, slices.ContainsFunc(headless.Spec.Ports, func(sp k8sServicePort) bool {
		return sp.Name == sm.Spec.Endpoints[0].Port && sp.Port == p+5000
	}))
}
