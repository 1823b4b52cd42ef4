package local_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	local "github.com/spk-cli/spk/provision/local"
)

// waitRefused waits until the endpoint refuses new connections, which it
// does once Shutdown has begun.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections during shutdown")
		}
		time.Sleep(5 * time.Millisecond) // polling interval
	}
}

// TestShutdownClosesSpareConnections: a connection that never begins a
// request (as Go's http.Transport keeps when another connection freed up
// first) does not hold up a graceful stop. net/http alone waits for it
// until it is five seconds old, so this Shutdown's four seconds ran out.
func TestShutdownClosesSpareConnections(t *testing.T) {
	srv := start(t, nil)
	spare, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer spare.Close()
	// A used connection too, left idle in the client's pool.
	if _, err := client(srv.URL(), "AKIAFAKE", "secret").ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a spare connection open: %v", err)
	}
	spare.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := spare.Read(make([]byte, 1)); err == nil || n != 0 || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("the spare connection is still open after Shutdown: read %d bytes, %v", n, err)
	}
}

// TestShutdownLetsHTTP2RequestFinish: an HTTP/2 connection (prior
// knowledge) is not taken for a spare: a request on it still under way
// after the spares' grace is answered.
func TestShutdownLetsHTTP2RequestFinish(t *testing.T) {
	// The request's body ends a second into the stop, past the stop's
	// default grace for a body still arriving.
	srv := start(t, func(o *local.Options) { o.StopGrace = time.Minute })
	tr := &http.Transport{Protocols: new(http.Protocols), ExpectContinueTimeout: time.Minute}
	tr.Protocols.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	post := func(ctx context.Context, body io.Reader, size int64, expect bool) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, "POST", srv.URL()+"/", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
		req.Header.Set("Authorization", fakeAuth)
		if expect {
			req.Header.Set("Expect", "100-continue")
		}
		return c.Do(req)
	}
	// The first request opens the connection; the second shares it.
	resp, err := post(context.Background(), strings.NewReader("{}"), 2, false)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 {
		t.Fatalf("answered over %s, want HTTP/2", resp.Proto)
	}
	// The second asks "100-continue", so the server says when its handler
	// has begun reading the body: from then on the request is under way.
	pr, pw := io.Pipe()
	underWay := make(chan struct{})
	trace := &httptrace.ClientTrace{Got100Continue: func() { close(underWay) }}
	answered := make(chan *http.Response, 1)
	failed := make(chan error, 1)
	go func() {
		resp, err := post(httptrace.WithClientTrace(context.Background(), trace), pr, 2, true)
		if err != nil {
			failed <- err
			return
		}
		answered <- resp
	}()
	select {
	case <-underWay:
	case err := <-failed:
		t.Fatal(err)
	}
	if _, err := pw.Write([]byte("{")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(context.Background()) }()
	waitRefused(t, srv.Addr())
	time.Sleep(1 * time.Second) // well past the spares' grace: the request is still under way
	pw.Write([]byte("}"))
	pw.Close()
	select {
	case resp := <-answered:
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "StreamNames") {
			t.Fatalf("the request under way was answered %d: %s", resp.StatusCode, body)
		}
	case err := <-failed:
		t.Fatalf("the request under way failed: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
