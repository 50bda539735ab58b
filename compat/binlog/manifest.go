package binlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Manifest is the producer state Pika keeps in the first 24 bytes of
// `manifest` (class Version in pika_binlog.cc).
type Manifest struct {
	// Filenum is the newest binlog file number (pro_num).
	Filenum uint32
	// Offset is the logical end of data in that file (pro_offset).
	Offset uint64
	// Index is the last logic id written (logic_id).
	Index uint64
	// Term is the term of the last item (always 0 in a classic Pika).
	Term uint32
}

// manifestPrefixLen is the number of meaningful bytes in the manifest.
const manifestPrefixLen = 24

// encode returns the 24-byte prefix: pro_num u32, pro_offset u64, logic_id u64, term u32.
func (m Manifest) encode() [manifestPrefixLen]byte {
	var b [manifestPrefixLen]byte
	binary.LittleEndian.PutUint32(b[0:], m.Filenum)
	binary.LittleEndian.PutUint64(b[4:], m.Offset)
	binary.LittleEndian.PutUint64(b[12:], m.Index)
	binary.LittleEndian.PutUint32(b[20:], m.Term)
	return b
}

// DecodeManifest decodes the 24-byte prefix of a manifest file.
func DecodeManifest(b []byte) (Manifest, error) {
	if len(b) < manifestPrefixLen {
		return Manifest{}, fmt.Errorf("binlog: manifest has %d bytes, need %d", len(b), manifestPrefixLen)
	}
	return Manifest{
		Filenum: binary.LittleEndian.Uint32(b[0:]),
		Offset:  binary.LittleEndian.Uint64(b[4:]),
		Index:   binary.LittleEndian.Uint64(b[12:]),
		Term:    binary.LittleEndian.Uint32(b[20:]),
	}, nil
}

// ReadManifest reads dir/manifest. It returns an error wrapping
// os.ErrNotExist when there is none.
func ReadManifest(dir string) (Manifest, error) {
	f, err := os.Open(filepath.Join(dir, ManifestName))
	if err != nil {
		return Manifest{}, fmt.Errorf("binlog: open manifest: %w", err)
	}
	defer f.Close()
	var b [manifestPrefixLen]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return Manifest{}, fmt.Errorf("binlog: read manifest in %s: %w", dir, err)
	}
	return DecodeManifest(b[:])
}

// manifestFile is an open manifest, rewritten in place after every flush.
type manifestFile struct {
	f *os.File
}

// openManifest opens dir/manifest, creating it as 64 KiB of zeros (like
// Pika's posix_fallocate) when missing. created reports a new file.
func openManifest(dir string) (mf *manifestFile, m Manifest, created bool, err error) {
	path := filepath.Join(dir, ManifestName)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, Manifest{}, false, fmt.Errorf("binlog: create manifest: %w", err)
		}
		if err := f.Truncate(ManifestSize); err != nil {
			f.Close()
			return nil, Manifest{}, false, fmt.Errorf("binlog: size manifest: %w", err)
		}
		return &manifestFile{f: f}, Manifest{}, true, nil
	}
	if err != nil {
		return nil, Manifest{}, false, fmt.Errorf("binlog: open manifest: %w", err)
	}
	var b [manifestPrefixLen]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		f.Close()
		return nil, Manifest{}, false, fmt.Errorf("binlog: read manifest %s: %w", path, err)
	}
	m, err = DecodeManifest(b[:])
	if err != nil {
		f.Close()
		return nil, Manifest{}, false, err
	}
	return &manifestFile{f: f}, m, false, nil
}

// save rewrites the 24-byte prefix.
func (mf *manifestFile) save(m Manifest) error {
	b := m.encode()
	if _, err := mf.f.WriteAt(b[:], 0); err != nil {
		return fmt.Errorf("binlog: write manifest: %w", err)
	}
	return nil
}

func (mf *manifestFile) sync() error {
	if err := mf.f.Sync(); err != nil {
		return fmt.Errorf("binlog: sync manifest: %w", err)
	}
	return nil
}

func (mf *manifestFile) close() error {
	if err := mf.f.Close(); err != nil {
		return fmt.Errorf("binlog: close manifest: %w", err)
	}
	return nil
}
