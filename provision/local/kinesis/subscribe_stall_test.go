//go:build !windows

package kinesis

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spk-cli/spk/internal/nettest"
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
	subscribeWithoutReading(t, srv.URL, arn)
	waitFor(t, "the subscription to start", func() bool { return s.subs.watching.Load() == 1 })
	// The client reads nothing more; 12 MiB wait for it.
	waitFor(t, "the subscription to end at its lifetime", func() bool { return s.subs.watching.Load() == 0 })
}

// subscribeWithoutReading subscribes to shardId-000000000000 from its
// start, over a connection that reads through a small buffer and reads
// nothing.
func subscribeWithoutReading(t *testing.T, url, arn string) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	body := `{"ConsumerARN":"` + arn + `","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`
	fmt.Fprintf(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s", contentJSON, len(body), body)
}

// TestDrainCutsAWriteToAClientThatStopsReading: Drain ends a subscription
// whose event write is blocked on a client that does not read, within
// drainGrace, not writeStall (30 s) later: a graceful stop of the endpoint
// waited that long for it.
func TestDrainCutsAWriteToAClientThatStopsReading(t *testing.T) {
	s := newTestService(t, nil)
	var reg struct{ Consumer consumerOut }
	s.mustCall(t, "RegisterStreamConsumer", `{"StreamARN":"`+eventsARN+`","ConsumerName":"reader"}`, &reg)
	big := b64(strings.Repeat("x", maxRecordBytes-1))
	for range 2 {
		s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+big+`"}`, nil)
	}
	writing := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.ServeOp(&bigWrites{ResponseWriter: w, writing: writing}, r, "SubscribeToShard", body)
	}))
	srv.Listener = nettest.SmallSendBuffers{Listener: srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	subscribeWithoutReading(t, srv.URL, reg.Consumer.ConsumerARN)
	select {
	case <-writing: // an event of 2 MiB, past both sides' buffers: the write blocks
	case <-time.After(10 * time.Second):
		t.Fatal("no event was written")
	}
	s.Drain()
	waitFor(t, "the drained subscription to end", func() bool { return s.subs.watching.Load() == 0 })
}

// bigWrites signals each write of more than 64 KiB as it begins.
type bigWrites struct {
	http.ResponseWriter
	writing chan<- struct{}
}

func (w *bigWrites) Write(p []byte) (int, error) {
	if len(p) > 64<<10 {
		select {
		case w.writing <- struct{}{}:
		default:
		}
	}
	return w.ResponseWriter.Write(p)
}

func (w *bigWrites) Unwrap() http.ResponseWriter { return w.ResponseWriter }
