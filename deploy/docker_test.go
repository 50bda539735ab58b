package deploy_test

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

type composeFile struct {
	Services map[string]struct {
		Image    string         `yaml:"image"`
		Hostname string         `yaml:"hostname"`
		Command  []string       `yaml:"command"`
		Ports    []string       `yaml:"ports"`
		Volumes  []string       `yaml:"volumes"`
		Restart  string         `yaml:"restart"`
		Ulimits  map[string]int `yaml:"ulimits"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

// TestDockerFiles checks the Dockerfile and the compose file against each
// other, against the k8s manifests (same image, same flags) and against
// pikaraft's ports and flags; they cannot be run on these machines.
func TestDockerFiles(t *testing.T) {
	const p = 9221 // pikaraft's default client port, as in the k8s ConfigMap
	dockerfile, err := os.ReadFile("docker/Dockerfile")
	require.NoError(t, err)
	df := string(dockerfile)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	require.Len(t, froms, 2, "multi-stage: build and runtime")
	require.Regexp(t, `^golang:[0-9.]+-bookworm$`, froms[0][1])
	require.Equal(t, "debian:bookworm-slim", froms[1][1])
	require.Regexp(t, `apt-get install[^\n]*librocksdb-dev`, df, "build links Debian's librocksdb")
	require.Regexp(t, `apt-get install[^\n]*librocksdb7\.8`, df, "runtime has Debian's librocksdb (7.8.3, as the build)")
	require.Contains(t, df, "go build -trimpath -o /out/pikaraft ./cmd/pikaraft")
	require.Contains(t, df, `ENTRYPOINT ["/usr/local/bin/pikaraft"]`)
	expose := regexp.MustCompile(`(?m)^EXPOSE\s+(.+)$`).FindStringSubmatch(df)
	require.NotNil(t, expose)
	for _, port := range []string{strconv.Itoa(p), strconv.Itoa(p + 3000), strconv.Itoa(p + 4000),
		fmt.Sprintf("%d/udp", p+4000), strconv.Itoa(p + 5000), strconv.Itoa(p + 2000), strconv.Itoa(p + 10001)} {
		require.Contains(t, strings.Fields(expose[1]), port, "EXPOSE %s", port)
	}
	known := binaryFlags(t)
	cmdLine := regexp.MustCompile(`(?m)^CMD\s+(\[.*\])$`).FindStringSubmatch(df)
	require.NotNil(t, cmdLine)
	var defArgs []string
	require.NoError(t, yaml.Unmarshal([]byte(cmdLine[1]), &defArgs))
	for f := range flagMap(t, defArgs) {
		require.Contains(t, known, f)
	}

	raw, err := os.ReadFile("docker/compose.yaml")
	require.NoError(t, err)
	var compose composeFile
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	require.Len(t, compose.Services, 3)

	sts := findK8s(t, loadK8s(t), "StatefulSet", nil)
	k8sFlags := flagMap(t, sts.Spec.Template.Spec.Containers[0].Args)

	var names []string
	for name := range compose.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	var join []string
	for _, name := range names {
		join = append(join, fmt.Sprintf("%s:%d", compose.Services[name].Hostname, p+4000))
	}
	hostPorts := map[string]bool{}
	for _, name := range names {
		s := compose.Services[name]
		require.Equal(t, sts.Spec.Template.Spec.Containers[0].Image, s.Image, "%s: same image as k8s", name)
		require.Equal(t, "on-failure", s.Restart)
		require.GreaterOrEqual(t, s.Ulimits["nofile"], 65536)
		flags := flagMap(t, s.Command)
		for f := range flags {
			require.Contains(t, known, f, "%s: pikaraft has flag --%s", name, f)
		}
		for f := range k8sFlags {
			if f != "c" { // k8s reads its pika.conf from a ConfigMap
				require.Contains(t, flags, f, "%s: sets --%s like the StatefulSet", name, f)
			}
		}
		require.Equal(t, k8sFlags["bootstrap-expect"], flags["bootstrap-expect"])
		require.Equal(t, strconv.Itoa(len(names)), flags["bootstrap-expect"])
		require.Equal(t, k8sFlags["data-dir"], flags["data-dir"])
		require.Equal(t, k8sFlags["bind"], flags["bind"])
		require.Equal(t, strconv.Itoa(p), flags["port"])
		require.Equal(t, name, flags["node-id"])
		require.Equal(t, fmt.Sprintf("%s:%d", s.Hostname, p+3000), flags["raft-advertise"])
		require.Equal(t, strings.Join(join, ","), flags["join"])
		var clientMapped, metricsMapped bool
		for _, m := range s.Ports {
			parts := strings.Split(m, ":")
			require.Len(t, parts, 2, m)
			require.False(t, hostPorts[parts[0]], "host port %s used twice", parts[0])
			hostPorts[parts[0]] = true
			clientMapped = clientMapped || parts[1] == strconv.Itoa(p)
			metricsMapped = metricsMapped || parts[1] == strconv.Itoa(p+5000)
		}
		require.True(t, clientMapped && metricsMapped, "%s publishes the client and metrics ports", name)
		require.Len(t, s.Volumes, 1)
		vol, mount, _ := strings.Cut(s.Volumes[0], ":")
		require.Equal(t, flags["data-dir"], mount)
		require.Contains(t, compose.Volumes, vol)
	}
}
