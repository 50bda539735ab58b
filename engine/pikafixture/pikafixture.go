// Package pikafixture locates the golden data written by a real Pika 3.5.5
// (shared/fixtures/pika-3.5.5, next to the repository) for tests.
package pikafixture

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// EnvVar overrides where the fixtures are.
const EnvVar = "PIKA_FIXTURES"

const rel = "shared/fixtures/pika-3.5.5"

// Dir returns the fixture directory: $PIKA_FIXTURES, or the first
// shared/fixtures/pika-3.5.5 found walking up from the working directory.
// The test fails (it is not skipped) when the fixtures cannot be found.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(EnvVar); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("pikafixture: %v", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, rel)); err == nil && st.IsDir() {
			return filepath.Join(d, rel)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	t.Fatalf("pikafixture: %s not found above %s; set %s", rel, wd, EnvVar)
	return ""
}

// Path returns a path inside the fixture directory.
func Path(t testing.TB, parts ...string) string {
	return filepath.Join(append([]string{Dir(t)}, parts...)...)
}

// CopyDB copies the fixture's db-path into a temporary directory (RocksDB
// writes to a directory it opens; the fixtures are read-only) and returns it.
func CopyDB(t testing.TB) string {
	t.Helper()
	return Copy(t, "db")
}

// Copy copies a fixture sub-directory into a writable temporary directory.
func Copy(t testing.TB, sub string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(sub))
	if out, err := exec.Command("cp", "-r", Path(t, sub), dst).CombinedOutput(); err != nil {
		t.Fatalf("copy fixture %s: %v: %s", sub, err, out)
	}
	if out, err := exec.Command("chmod", "-R", "u+w", dst).CombinedOutput(); err != nil {
		t.Fatalf("chmod fixture copy: %v: %s", err, out)
	}
	return dst
}
