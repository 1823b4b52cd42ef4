//go:build !windows

package kinesis

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSubscriptionToAClientThatStopsReadingEnds: a write to a client that
// stopped reading is bounded by the subscription's lifetime, so the
// subscription still ends (it stayed blocked in the write for ever).
func TestSubscriptionToAClientThatStopsReadingEnds(t *testing.T) {
	s, srv, arn := efoService(t)
	s.subs.lifetime = 500 * time.Millisecond
	big := b64(strings.Repeat("x", maxRecordBytes-1)) // the key is the last byte
	for range 12 {
		s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+big+`"}`, nil)
	}
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"ConsumerARN":"` + arn + `","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", contentJSON, len(body), body)
	waitFor(t, "the subscription to start", func() bool { return s.subs.watching.Load() == 1 })
	// The client reads nothing more; 12 MiB wait for it.
	waitFor(t, "the subscription to end at its lifetime", func() bool { return s.subs.watching.Load() == 0 })
}
