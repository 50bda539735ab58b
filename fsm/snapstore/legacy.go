package snapstore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
)

// Files of a snapshot written by raft.FileSnapshotStore.
const (
	legacyMetaName  = "meta.json"
	legacyStateName = "state.bin"
)

// legacyMeta is raft.FileSnapshotStore's meta.json.
type legacyMeta struct {
	raft.SnapshotMeta
	CRC []byte
}

func readLegacyMeta(dir string) (*legacyMeta, error) {
	raw, err := os.ReadFile(filepath.Join(dir, legacyMetaName))
	if err != nil {
		return nil, err
	}
	var m legacyMeta
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", legacyMetaName, err)
	}
	return &m, nil
}

// openLegacy opens a raft.FileSnapshotStore snapshot after checking its
// CRC-64, as that store does.
func openLegacy(dir string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	m, err := readLegacyMeta(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("snapstore: open %s: %w", dir, err)
	}
	fh, err := os.Open(filepath.Join(dir, legacyStateName))
	if err != nil {
		return nil, nil, fmt.Errorf("snapstore: open %s: %w", dir, err)
	}
	h := crc64.New(crc64.MakeTable(crc64.ECMA))
	if _, err := io.Copy(h, bufio.NewReaderSize(fh, 1<<20)); err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("snapstore: read %s: %w", dir, err)
	}
	if !bytes.Equal(h.Sum(nil), m.CRC) {
		fh.Close()
		return nil, nil, fmt.Errorf("snapstore: %s: CRC mismatch", dir)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		fh.Close()
		return nil, nil, fmt.Errorf("snapstore: %s: %w", dir, err)
	}
	return &m.SnapshotMeta, &bufferedFile{Reader: bufio.NewReaderSize(fh, 1<<20), f: fh}, nil
}

type bufferedFile struct {
	*bufio.Reader
	f *os.File
}

func (b *bufferedFile) Close() error { return b.f.Close() }
