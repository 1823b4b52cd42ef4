package sdkhttp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// closingBody behaves like the SDK's request body: once closed, reads fail.
type closingBody struct {
	mu     sync.Mutex
	r      io.Reader
	closed bool
	late   int // reads attempted after Close
}

func (b *closingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		b.late++
		return 0, errors.New("read on closed body")
	}
	return b.r.Read(p)
}

func (b *closingBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	return nil
}

func TestTheTransportNeverReadsTheCallersBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write([]byte(strings.Repeat("x", 64<<10) + "|" + string(body)))
	}))
	defer srv.Close()
	c := New(srv.Client())
	for i := range 200 {
		orig := &closingBody{r: strings.NewReader(`{"Records":[1,2,3]}`)}
		req, err := http.NewRequest(http.MethodPost, srv.URL, orig)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(len(`{"Records":[1,2,3]}`))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		orig.Close() // what the SDK does as soon as Do returns
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || !strings.HasSuffix(string(got), `|{"Records":[1,2,3]}`) {
			t.Fatalf("request %d: response %d bytes, err %v", i, len(got), err)
		}
		if orig.late != 0 {
			t.Fatalf("request %d: the transport read the caller's body after it was closed", i)
		}
	}
}

func TestRequestWithoutBodyPassesThrough(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	resp, err := New(srv.Client()).Do(req)
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %v err %v", resp, err)
	}
	resp.Body.Close()
}

// TestAnUnansweredRequestTimesOut: a server that takes a request and never
// answers fails it once the header timeout passes, rather than holding spk
// for ever.
func TestAnUnansweredRequestTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	c := newWithTimeout(nil, 100*time.Millisecond)
	req, err := http.NewRequest("POST", srv.URL, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
			t.Fatalf("Do = %v, want a response header timeout", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("an unanswered request was still waiting after 30 s")
	}
}
