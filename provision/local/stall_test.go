package local_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/spk-cli/spk/internal/nettest"
	local "github.com/spk-cli/spk/provision/local"
)

// rawH2 is a cleartext HTTP/2 client (prior knowledge) that writes frames
// one by one, so that a test can leave a stream's body unsent or its
// answer unread.
type rawH2 struct {
	t   *testing.T
	c   net.Conn
	fr  *http2.Framer
	hb  bytes.Buffer
	enc *hpack.Encoder
	// ended streams; the server may reset a stream after answering it
	// (its body unread), which is no news
	ended map[uint32]bool
	// the server's SETTINGS_MAX_CONCURRENT_STREAMS, once read
	maxStreams uint32
}

func dialH2(t *testing.T, addr string) *rawH2 {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h := &rawH2{t: t, c: c, fr: http2.NewFramer(c, c), ended: map[uint32]bool{}}
	h.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	h.enc = hpack.NewEncoder(&h.hb)
	io.WriteString(c, http2.ClientPreface)
	if err := h.fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	return h
}

// open starts a POST of target on stream id declaring contentLength; its
// body follows with send, or never.
func (h *rawH2) open(id uint32, target string, contentLength int) {
	h.t.Helper()
	h.hb.Reset()
	for _, f := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":authority", "127.0.0.1"}, {":path", "/"},
		{"x-amz-target", target}, {"authorization", fakeAuth}, {"content-type", "application/x-amz-json-1.1"},
		{"content-length", strconv.Itoa(contentLength)}} {
		h.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	if err := h.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: h.hb.Bytes(), EndHeaders: true}); err != nil {
		h.t.Fatal(err)
	}
}

// send writes the whole body of stream id.
func (h *rawH2) send(id uint32, body string) {
	h.t.Helper()
	if err := h.fr.WriteData(id, true, []byte(body)); err != nil {
		h.t.Fatal(err)
	}
}

// settings reads the server's first SETTINGS frame, which opens its side
// of the connection, and acknowledges it.
func (h *rawH2) settings() {
	h.t.Helper()
	h.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := h.fr.ReadFrame()
	sf, ok := f.(*http2.SettingsFrame)
	if err != nil || !ok || sf.IsAck() {
		h.t.Fatalf("the server's first frame: %v %v", f, err)
	}
	if v, ok := sf.Value(http2.SettingMaxConcurrentStreams); ok {
		h.maxStreams = v
	}
	h.fr.WriteSettingsAck()
}

type h2Answer struct {
	status, body string
	reset        bool
}

// answers reads frames until n streams have ended, answered or reset,
// acknowledging the server's settings on the way; within the deadline.
func (h *rawH2) answers(n int, within time.Duration) map[uint32]*h2Answer {
	h.t.Helper()
	h.c.SetReadDeadline(time.Now().Add(within))
	got := map[uint32]*h2Answer{}
	at := func(id uint32) *h2Answer {
		if got[id] == nil {
			got[id] = &h2Answer{}
		}
		return got[id]
	}
	end := func(id uint32, ended bool) {
		if ended {
			h.ended[id] = true
			n--
		}
	}
	for n > 0 {
		f, err := h.fr.ReadFrame()
		if err != nil {
			h.t.Fatalf("%d streams still open (answered so far: %v): %v", n, got, err)
		}
		if h.ended[f.Header().StreamID] {
			continue
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if v, ok := f.Value(http2.SettingMaxConcurrentStreams); ok {
					h.maxStreams = v
				}
				h.fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			at(f.StreamID).status = f.PseudoValue("status")
			end(f.StreamID, f.StreamEnded())
		case *http2.DataFrame:
			at(f.StreamID).body += string(f.Data())
			end(f.StreamID, f.StreamEnded())
		case *http2.RSTStreamFrame:
			at(f.StreamID).reset = true
			end(f.StreamID, true)
		}
	}
	return got
}

const stalledBody = `{"__type":"SerializationException","message":"Could not read the request body: it did not arrive in time (the endpoint waits at most 200ms for its next byte, and 1m0s for all of it)."}`

// TestStalledStreamsHoldOnlyTheirConnectionsShare: the streams of one
// HTTP/2 connection that never send their bodies hold at most a quarter of
// the request slots, as many as it may open at once, while other clients
// are served. (Two such connections used to take all 256 slots for a
// minute.)
func TestStalledStreamsHoldOnlyTheirConnectionsShare(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxConcurrentRequests, o.SlotWait = 8, 300*time.Millisecond })
	addr := srv.Addr()
	h := dialH2(t, addr)
	h.settings()
	for i := range uint32(2) {
		h.open(2*i+1, "Kinesis_20131202.ListStreams", 10)
	}
	// As many streams as the connection has slots: a client that keeps to
	// the limit queues its requests, or opens another connection, and none
	// waits for a slot with its body unread (100 streams against a share of
	// 64 left 36 waiting, their bodies filling the flow-control window).
	if h.maxStreams != 2 {
		t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS %d, want the connection's share of 8 slots, 2", h.maxStreams)
	}
	// The connection's two streams still hold their slots; the other six
	// are free.
	a := exchange(t, addr, requestHead(addr, "DynamoDB_20120810.ListTables", 2, http.Header{"Authorization": {fakeAuth}}), []byte("{}"))
	if a.resp.StatusCode != 200 {
		t.Fatalf("another client while a connection stalls: %d %s", a.resp.StatusCode, a.body)
	}
}

// TestStalledBodyGivesItsSlotBack: a request whose body stops arriving is
// answered SerializationException once BodyIdleTimeout passes without a
// byte, long before BodyTimeout (a minute), and its slot serves the next
// request. Over HTTP/1.1 its connection is closed; over HTTP/2 the
// connection serves on.
func TestStalledBodyGivesItsSlotBack(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.MaxConcurrentRequests, o.BodyIdleTimeout = 1, 200*time.Millisecond })
	addr := srv.Addr()
	auth := http.Header{"Authorization": {fakeAuth}}
	t.Run("HTTP/1.1", func(t *testing.T) {
		a := exchange(t, addr, requestHead(addr, "Kinesis_20131202.ListStreams", 10, auth), nil)
		if a.resp.StatusCode != 400 || a.body != stalledBody || !a.closed {
			t.Fatalf("stalled body: %d %s (closed %v)", a.resp.StatusCode, a.body, a.closed)
		}
		a = exchange(t, addr, requestHead(addr, "Kinesis_20131202.ListStreams", 2, auth), []byte("{}"))
		if a.resp.StatusCode != 200 {
			t.Fatalf("after the stalled body: %d %s", a.resp.StatusCode, a.body)
		}
	})
	t.Run("HTTP/2", func(t *testing.T) {
		h := dialH2(t, addr)
		h.open(1, "Kinesis_20131202.ListStreams", 10)
		if a := h.answers(1, 20*time.Second)[1]; a.status != "400" || a.body != stalledBody {
			t.Fatalf("stalled body: %+v", a)
		}
		h.open(3, "Kinesis_20131202.ListStreams", 2)
		h.send(3, "{}")
		if a := h.answers(1, 20*time.Second)[3]; a.status != "200" {
			t.Fatalf("after the stalled body, on its connection: %+v", a)
		}
	})
}

// TestSteadyBodyIsNotIdle: a body that keeps arriving, however slowly, is
// read to its end past BodyIdleTimeout: the idle time counts from its
// last byte.
func TestSteadyBodyIsNotIdle(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.BodyIdleTimeout = time.Second })
	addr := srv.Addr()
	body := append([]byte("{}"), bytes.Repeat([]byte(" "), 28)...)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(conn, requestHead(addr, "Kinesis_20131202.ListStreams", int64(len(body)), http.Header{"Authorization": {fakeAuth}}))
	tick := time.NewTicker(50 * time.Millisecond) // 30 bytes: 1.5 s in all
	defer tick.Stop()
	for _, b := range body {
		<-tick.C
		if _, err := conn.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("a steady body: %d", resp.StatusCode)
	}
}

// bigShard makes a stream whose one shard holds n records of 1 MiB, and
// returns a GetRecords request body that reads them: an answer of about
// 1.4 MB per record (base64 in JSON).
func bigShard(t *testing.T, srv *local.Server, n int) string {
	t.Helper()
	c := client(srv.URL(), "AKIAFAKE", "secret")
	ctx := context.Background()
	name := "big"
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, name)
	data := bytes.Repeat([]byte("x"), 1<<20-1) // the key is the last byte
	for range n {
		if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	return `{"ShardIterator":"` + *it.ShardIterator + `"}`
}

// waitInFlight waits until the endpoint serves n API requests.
func waitInFlight(t *testing.T, srv *local.Server, n float64, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for value(scrape(t, srv), "spk_local_requests_in_flight") != n {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// TestUnreadAnswerIsCutOff: an answer its client stops reading is cut off
// once WriteTimeout passes, and its request slot (and memory) freed. Eight
// GetRecords answers unread used to hold eight slots and 961 MB for good.
func TestUnreadAnswerIsCutOff(t *testing.T) {
	srv := start(t, func(o *local.Options) { o.WriteTimeout = 300 * time.Millisecond })
	addr := srv.Addr()
	body := bigShard(t, srv, 6) // 8.4 MB: past the socket buffers
	t.Run("HTTP/1.1", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.(*net.TCPConn).SetReadBuffer(4096)
		io.WriteString(conn, requestHead(addr, "Kinesis_20131202.GetRecords", int64(len(body)), http.Header{"Authorization": {fakeAuth}, "Content-Type": {"application/x-amz-json-1.1"}})+body)
		waitInFlight(t, srv, 1, "GetRecords to be served")
		// The client reads nothing, so the request can end only by its
		// answer being cut off. (What the kernel had buffered still
		// trickles to the client's small window after the close.)
		waitInFlight(t, srv, 0, "the unread answer to be cut off")
	})
	t.Run("HTTP/2", func(t *testing.T) {
		h := dialH2(t, addr)
		h.open(1, "Kinesis_20131202.GetRecords", len(body))
		h.send(1, body)
		// The client grants no flow-control window past the first 64 KiB.
		if a := h.answers(1, 10*time.Second)[1]; a.status != "200" || !a.reset {
			t.Fatalf("unread answer: status %q, reset %v", a.status, a.reset)
		}
		waitInFlight(t, srv, 0, "the unread answer's slot to be freed")
	})
}

// TestKeptAliveConnectionOutlivesWriteTimeout: an HTTP/1.1 connection's
// next request, after its last answer's WriteTimeout has passed, is
// answered (and its "100 Continue" sent): the deadline is the answer's,
// not the connection's (net/http lifts it once an answer is written).
func TestKeptAliveConnectionOutlivesWriteTimeout(t *testing.T) {
	const writeTimeout = 100 * time.Millisecond
	srv := start(t, func(o *local.Options) { o.WriteTimeout = writeTimeout })
	addr := srv.Addr()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	br := bufio.NewReader(conn)
	ask := func(hdr http.Header) {
		t.Helper()
		io.WriteString(conn, requestHead(addr, "Kinesis_20131202.ListStreams", 2, hdr))
		if hdr.Get("Expect") != "" {
			if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
				t.Fatalf("no 100 Continue: %q %v", line, err)
			}
			br.ReadString('\n')
		}
		io.WriteString(conn, "{}")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("answered %d", resp.StatusCode)
		}
	}
	ask(http.Header{"Authorization": {fakeAuth}})
	<-time.After(3 * writeTimeout) // the first answer's deadline passes
	ask(http.Header{"Authorization": {fakeAuth}, "Expect": {"100-continue"}})
}

// startStalling starts an endpoint on dir (durable) whose connections
// have small send buffers, with stopGrace and body idle time of a minute
// (so that only the stop cuts a stalled body).
func startStalling(t *testing.T, dir string, stopGrace time.Duration) *local.Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return start(t, func(o *local.Options) {
		o.Addr, o.Listener = ln.Addr().String(), nettest.SmallSendBuffers{Listener: ln}
		o.InMemory, o.DataDir = false, dir
		o.StopGrace, o.BodyIdleTimeout = stopGrace, time.Minute
	})
}

// stopPromptly stops srv and fails unless the stop ends cleanly within its
// grace and a margin: a client that neither sent nor read used to hold the
// stop for its whole wait (15 s in spk local).
func stopPromptly(t *testing.T, srv *local.Server, grace time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	began := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a stalled client: %v, after %v", err, time.Since(began))
	}
	if took := time.Since(began); took > grace+5*time.Second {
		t.Fatalf("Shutdown with a stalled client took %v", took)
	}
}

// rawRequest sends an HTTP/1.1 request on a connection of its own, which
// reads through a small buffer, and reads nothing back.
func rawRequest(t *testing.T, addr, target, body string, hdr http.Header) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.(*net.TCPConn).SetReadBuffer(4096)
	hdr.Set("Authorization", fakeAuth)
	hdr.Set("Content-Type", "application/x-amz-json-1.1")
	io.WriteString(conn, requestHead(addr, target, int64(len(body)), hdr)+body)
	return conn
}

// activeConsumer registers a consumer of the stream and waits until it is
// ACTIVE.
func activeConsumer(t *testing.T, c *kinesis.Client, stream string) string {
	t.Helper()
	ctx := context.Background()
	sum, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &stream})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: sum.StreamDescriptionSummary.StreamARN, ConsumerName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: reg.Consumer.ConsumerARN})
		if err == nil && d.ConsumerDescription.ConsumerStatus == types.ConsumerStatusActive {
			return *reg.Consumer.ConsumerARN
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumer never became ACTIVE (%v)", err)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

// TestStopCutsStalledClients: a graceful stop gives a body still arriving
// and an answer still being written StopGrace, then cuts them, so a client
// that neither sends nor reads does not hold the stop; a SubscribeToShard
// to a client that does not read ends too. What was acknowledged is kept:
// the store closes cleanly and holds it after a restart.
func TestStopCutsStalledClients(t *testing.T) {
	const grace = 200 * time.Millisecond
	t.Run("body", func(t *testing.T) {
		srv := startStalling(t, t.TempDir(), grace)
		conn, err := net.Dial("tcp", srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// The body is never sent; "100 Continue" says the endpoint is
		// reading it.
		io.WriteString(conn, requestHead(srv.Addr(), "Kinesis_20131202.ListStreams", 10, http.Header{"Authorization": {fakeAuth}, "Expect": {"100-continue"}}))
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(conn)
		if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "HTTP/1.1 100") {
			t.Fatalf("no 100 Continue: %q %v", line, err)
		}
		if line, err := br.ReadString('\n'); err != nil || line != "\r\n" {
			t.Fatalf("100 Continue's end: %q %v", line, err)
		}
		stopPromptly(t, srv, grace)
		// The endpoint's state, not the client's fault: a 503 the SDKs
		// retry, where it was a SerializationException they do not.
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		if want := `{"__type":"ServiceUnavailable","message":"The endpoint is stopping."}`; resp.StatusCode != 503 || string(got) != want {
			t.Fatalf("the body cut by the stop: %d %s, want 503 %s", resp.StatusCode, got, want)
		}
	})
	t.Run("answer", func(t *testing.T) {
		dir := t.TempDir()
		srv := startStalling(t, dir, grace)
		body := bigShard(t, srv, 6)
		rawRequest(t, srv.Addr(), "Kinesis_20131202.GetRecords", body, http.Header{})
		waitInFlight(t, srv, 1, "GetRecords to be served")
		stopPromptly(t, srv, grace)

		srv = start(t, func(o *local.Options) { o.InMemory, o.DataDir = false, dir })
		c := client(srv.URL(), "AKIAFAKE", "secret")
		var in struct{ ShardIterator string }
		json.Unmarshal([]byte(body), &in)
		out, err := c.GetRecords(context.Background(), &kinesis.GetRecordsInput{ShardIterator: &in.ShardIterator})
		if err != nil || len(out.Records) != 6 {
			t.Fatalf("after the stop and a restart: %v, %d records", err, len(out.Records))
		}
	})
	t.Run("subscription", func(t *testing.T) {
		srv := startStalling(t, t.TempDir(), grace)
		bigShard(t, srv, 6)
		arn := activeConsumer(t, client(srv.URL(), "AKIAFAKE", "secret"), "big")
		rawRequest(t, srv.Addr(), "Kinesis_20131202.SubscribeToShard",
			`{"ConsumerARN":"`+arn+`","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`, http.Header{})
		waitInFlight(t, srv, 1, "the subscription to be served")
		stopPromptly(t, srv, grace)
	})
}
