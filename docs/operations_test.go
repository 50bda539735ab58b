package docs_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

// pikaKeys returns the keys a real Pika 3.5.5 lists in CONFIG GET *.
func pikaKeys(t *testing.T) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(pikafixture.Path(t, "text", "config-get-all.txt"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	keys := map[string]bool{}
	for i := 0; i < len(lines); i += 2 {
		keys[strings.TrimSpace(lines[i])] = true
	}
	require.True(t, keys["db-path"])
	return keys
}

// TestOperationsDocumentsRaftKeys: every configuration key pikaraft adds to
// Pika's (CONFIG GET * minus what Pika 3.5.5 lists) has a row in the table
// of docs/OPERATIONS.md.
func TestOperationsDocumentsRaftKeys(t *testing.T) {
	doc, err := os.ReadFile("OPERATIONS.md")
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z0-9-]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = true
	}
	pika := pikaKeys(t)
	var ours []string
	for _, kv := range pikaconf.New().Get("*") {
		if !pika[kv[0]] {
			ours = append(ours, kv[0])
			require.True(t, rows[kv[0]], "docs/OPERATIONS.md has no row for pika.conf key `%s`", kv[0])
		}
	}
	require.Contains(t, ours, "bootstrap-expect")
	require.Contains(t, ours, "raft-snapshot-threshold")
}

// TestOperationsPathsExist: the repository paths OPERATIONS.md names exist,
// and README.md links it.
func TestOperationsPathsExist(t *testing.T) {
	doc, err := os.ReadFile("OPERATIONS.md")
	require.NoError(t, err)
	paths := regexp.MustCompile(`\b((?:deploy|docs|cmd)/[A-Za-z0-9_@./{},-]*[A-Za-z0-9_}])`).FindAllStringSubmatch(string(doc), -1)
	require.NotEmpty(t, paths)
	for _, m := range paths {
		for _, p := range expandBraces(m[1]) {
			_, err := os.Stat(filepath.Join("..", p))
			require.NoError(t, err, "OPERATIONS.md names %s", p)
		}
	}
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "(docs/OPERATIONS.md)")
}

// expandBraces expands one {a,b,c} group ("conf/node{1,2}.conf").
func expandBraces(p string) []string {
	i, j := strings.IndexByte(p, '{'), strings.IndexByte(p, '}')
	if i < 0 || j < i {
		return []string{p}
	}
	var out []string
	for _, alt := range strings.Split(p[i+1:j], ",") {
		out = append(out, p[:i]+alt+p[j+1:])
	}
	return out
}
