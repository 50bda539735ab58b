package binlog

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// AppendRESP appends argv as a RESP multibulk (`*<n>\r\n` then
// `$<len>\r\n<arg>\r\n` per argument), as Cmd::ToRedisProtocol writes it.
func AppendRESP(dst []byte, argv [][]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(argv)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range argv {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

// EncodeRESP returns argv as a RESP multibulk.
func EncodeRESP(argv [][]byte) []byte {
	n := 16
	for _, a := range argv {
		n += len(a) + 16
	}
	return AppendRESP(make([]byte, 0, n), argv)
}

// ErrBadRESP reports item content that is not exactly one RESP multibulk.
var ErrBadRESP = errors.New("binlog: content is not one RESP command")

// maxArgs bounds the argument count accepted when parsing content.
const maxArgs = 1 << 24

// ParseRESP parses content holding exactly one RESP multibulk command.
// The returned arguments alias content.
func ParseRESP(content []byte) ([][]byte, error) {
	b := content
	n, rest, err := readLen(b, '*')
	if err != nil {
		return nil, err
	}
	if n < 1 || n > maxArgs || n > len(rest)/4+1 {
		return nil, fmt.Errorf("%w: bad argument count %d", ErrBadRESP, n)
	}
	argv := make([][]byte, 0, n)
	b = rest
	for i := 0; i < n; i++ {
		l, rest, err := readLen(b, '$')
		if err != nil {
			return nil, err
		}
		if l < 0 || l > len(rest)-2 {
			return nil, fmt.Errorf("%w: bad bulk length %d", ErrBadRESP, l)
		}
		if rest[l] != '\r' || rest[l+1] != '\n' {
			return nil, fmt.Errorf("%w: bulk not terminated by CRLF", ErrBadRESP)
		}
		argv = append(argv, rest[:l:l])
		b = rest[l+2:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrBadRESP, len(b))
	}
	return argv, nil
}

// readLen reads "<prefix><decimal>\r\n".
func readLen(b []byte, prefix byte) (int, []byte, error) {
	if len(b) == 0 || b[0] != prefix {
		return 0, nil, fmt.Errorf("%w: expected %q", ErrBadRESP, prefix)
	}
	head := b
	if len(head) > 14 {
		head = head[:14]
	}
	end := bytes.Index(head, []byte("\r\n"))
	if end < 0 {
		return 0, nil, fmt.Errorf("%w: bad %q line", ErrBadRESP, prefix)
	}
	n, err := strconv.Atoi(string(b[1:end]))
	if err != nil {
		return 0, nil, fmt.Errorf("%w: bad %q length: %w", ErrBadRESP, prefix, err)
	}
	return n, b[end+2:], nil
}
