// Package binlog reads and writes Pika 3.5.5 binlog files byte for byte.
//
// A binlog lives in one directory per database (`<log-path>/log_db<i>/`).
// It holds numbered files `write2file<N>` and a 64 KiB `manifest` whose first
// 24 bytes record the producer position. Each file is a sequence of 64 KiB
// blocks of physical records (8-byte header: 24-bit length, 32-bit time,
// 1-byte type; no checksum). A logical item — a 34-byte header plus the
// command as RESP — is split into records that never cross a block boundary.
//
// In pikaraft every node writes the same bytes: the item's logic offset is the
// Raft term and index and every time field is the entry's leader time, all
// supplied by the caller. Nothing in this package reads the clock.
//
// See spec/pika-replication.md §1 and docs in the project notes for the
// places where real Pika and the spec disagree (real Pika wins).
package binlog

const (
	// BlockSize is the size of a physical block (kBlockSize).
	BlockSize = 65536
	// RecordHeaderSize is the size of a physical record header (kHeaderSize).
	RecordHeaderSize = 8
	// ItemHeaderSize is the size of the fixed item header (BINLOG_ITEM_HEADER_SIZE).
	ItemHeaderSize = 34
	// ManifestSize is the size Pika gives the manifest file.
	ManifestSize = 65536
	// ManifestName is the name of the producer-state file in a db directory.
	ManifestName = "manifest"
	// FilePrefix is the name prefix of binlog files.
	FilePrefix = "write2file"
	// DefaultFileSize is Pika's default binlog-file-size (100 MiB).
	DefaultFileSize = 100 << 20
)

// Record types of the physical framing (enum RecordType in pika_define.h).
const (
	recZero   = 0 // zero-filled area: end of data
	recFull   = 1
	recFirst  = 2
	recMiddle = 3
	recLast   = 4
	recBad    = 6 // padding written by AppendPadding after a full sync
)

// itemTypeFirst is the only item type Pika writes (TypeFirst).
const itemTypeFirst = 1
