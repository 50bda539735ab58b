package resp

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchPipeline sends b.N requests of cmd in pipelines of depth and waits
// for every reply; each reply must be one line (nil bulk, status, int).
// allocs/op is per command, both ends of the socket.
func benchPipeline(b *testing.B, depth int, cmd ...string) {
	ts := startServer(&testing.T{}, ServerConfig{})
	defer ts.srv.Close()
	c := ts.dial(&testing.T{})
	req := []byte(strings.Repeat(encodeCommand(cmd...), depth))
	buf := make([]byte, 64*1024)
	b.ReportAllocs()
	b.ResetTimer()
	for sent := 0; sent < b.N; sent += depth {
		_, err := c.nc.Write(req)
		require.NoError(b, err)
		for got := 0; got < depth; {
			n, err := c.nc.Read(buf)
			require.NoError(b, err)
			got += bytes.Count(buf[:n], []byte("\n"))
		}
	}
}

func BenchmarkServerGet(b *testing.B)    { benchPipeline(b, 1, "GET", "nokey") }
func BenchmarkServerGetP16(b *testing.B) { benchPipeline(b, 16, "GET", "nokey") }
func BenchmarkServerSetP16(b *testing.B) { benchPipeline(b, 16, "SET", "key:1", "value") }
