package fsm

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/pikaraft/pikaraft/engine"
)

// Snapshot archive layout (a tar stream):
//
//	MANIFEST.json   first: what the snapshot holds (Manifest)
//	data/<path>     every file of the engine checkpoint, relative to db-path
//	SUMS.json       last: size and CRC-32C of every data file
const (
	manifestName = "MANIFEST.json"
	sumsName     = "SUMS.json"
	dataPrefix   = "data/"
)

// manifestVersion is the snapshot format version. Version 3 keeps the
// WATCH versions as one table, written when the snapshot is taken
// (engine/watchversions.go), instead of one record per bucket and epoch
// (version 1); a node that only knows version 1 would read them as never
// bumped, so it refuses such a snapshot. Version 1 snapshots still
// install. Version 2 was a development format (a table of buckets only,
// with records for forwarded writes) that no release wrote; it is refused.
const manifestVersion = 3

// knownManifest reports whether this node installs snapshots of format v.
func knownManifest(v int) bool { return v == 1 || v == manifestVersion }

// Manifest describes a snapshot. It is the first member of the archive so
// that a node can read it without unpacking the data.
type Manifest struct {
	Version int `json:"version"`
	// Applied is the engine's applied position when the checkpoint was taken.
	Applied engine.Pos `json:"applied"`
	// Index is the Raft index the FSM had reached.
	Index uint64 `json:"index"`
	// LeaderTimeMs is the cluster time applied so far.
	LeaderTimeMs int64 `json:"leader_time_ms"`
	// Databases is the number of logical databases.
	Databases int `json:"databases"`
	// Files and Bytes count the data files.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Observer is the FSM observer's state (the binlog position), if any.
	Observer json.RawMessage `json:"observer,omitempty"`
}

// fileSum is one data file's entry in SUMS.json.
type fileSum struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	CRC32C uint32 `json:"crc32c"`
}

// ReadManifest reads the manifest at the start of a snapshot archive.
func ReadManifest(r io.Reader) (*Manifest, error) {
	tr := tar.NewReader(r)
	return readManifest(tr)
}

func readManifest(tr *tar.Reader) (*Manifest, error) {
	_, m, err := readManifestRaw(tr)
	return m, err
}

// readManifestRaw reads the first member of an archive, the manifest, and
// returns it both as stored and decoded.
func readManifestRaw(tr *tar.Reader) ([]byte, *Manifest, error) {
	h, err := tr.Next()
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: read manifest: %w", err)
	}
	if h.Name != manifestName {
		return nil, nil, fmt.Errorf("snapshot: first member is %q, want %s", h.Name, manifestName)
	}
	if h.Size > 1<<20 {
		return nil, nil, errors.New("snapshot: manifest too large")
	}
	raw, err := io.ReadAll(io.LimitReader(tr, h.Size))
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: read manifest: %w", err)
	}
	m, err := decodeManifest(raw)
	return raw, m, err
}

func decodeManifest(raw []byte) (*Manifest, error) {
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("snapshot: decode manifest: %w", err)
	}
	if !knownManifest(m.Version) {
		return nil, fmt.Errorf("snapshot: unknown manifest version %d", m.Version)
	}
	return &m, nil
}
