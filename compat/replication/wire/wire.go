// Package wire is the framing both Pika 3.5.5 replication services use
// (net::PbConn): every message is a 4-byte big-endian length followed by
// that many bytes of protobuf. There is no magic, version or checksum.
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"
)

// MaxMessage is the largest message accepted: Pika's server-side
// kProtoMaxMessage (512 MiB).
const MaxMessage = 512 << 20

// ErrTooLarge is returned for a frame longer than the reader's limit.
var ErrTooLarge = errors.New("replication frame larger than the limit")

// ReadFrame reads one frame and returns its payload. limit bounds the
// length (0 means MaxMessage). A clean end of stream before the header is
// io.EOF; inside a frame it is io.ErrUnexpectedEOF.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	if limit <= 0 || limit > MaxMessage {
		limit = MaxMessage
	}
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, n, limit)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// AppendFrame appends the frame of payload to dst.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(payload)))
	return append(dst, payload...)
}

// Marshal encodes m as Pika does: fields in number order, required fields
// checked.
func Marshal(m proto.Message) ([]byte, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", m, err)
	}
	return b, nil
}

// WriteMsg writes m as one frame with a single Write call.
func WriteMsg(w io.Writer, m proto.Message) error {
	b, err := Marshal(m)
	if err != nil {
		return err
	}
	if _, err := w.Write(AppendFrame(make([]byte, 0, 4+len(b)), b)); err != nil {
		return fmt.Errorf("send %T: %w", m, err)
	}
	return nil
}

// ReadMsg reads one frame into m (required fields must be present).
func ReadMsg(r io.Reader, limit int, m proto.Message) error {
	b, err := ReadFrame(r, limit)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("decode %T: %w", m, err)
	}
	return nil
}
