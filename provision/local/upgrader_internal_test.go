package local

import (
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUpgradedRequestsDuringStop: once a stop waits for the requests on
// upgraded (h2c) connections, a request that begins there is refused with
// 503 ServiceUnavailable rather than counted, and the wait ends when those
// already in flight are answered.
func TestUpgradedRequestsDuringStop(t *testing.T) {
	u := newUpgrader(nil)
	release := make(chan struct{})
	began := make(chan struct{})
	h := u.counted(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(began)
		<-release
	}))
	go h.ServeHTTP(httptest.NewRecorder(), upgradedRequest())
	<-began
	waited := make(chan error, 1)
	go func() { waited <- u.wait(nil) }()
	// The wait has begun once new requests are refused.
	deadline := time.Now().Add(10 * time.Second)
	for {
		rec := httptest.NewRecorder()
		u.counted(http.NotFoundHandler()).ServeHTTP(rec, upgradedRequest())
		if rec.Code == http.StatusServiceUnavailable {
			want := `{"__type":"ServiceUnavailable","message":"The endpoint is stopping."}`
			if got := rec.Body.String(); got != want {
				t.Fatalf("refused with %s, want %s", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a request during the stop answered %d, want 503", rec.Code)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
	select {
	case err := <-waited:
		t.Fatalf("the wait ended (%v) with a request in flight", err)
	default:
	}
	close(release)
	if err := <-waited; err != nil {
		t.Fatal(err)
	}
}

// TestUpgradedRequestsBeginWhileStopWaits: requests that begin and end on
// upgraded connections while a stop waits for them do not panic. They
// were counted by a sync.WaitGroup, which panics ("WaitGroup is reused
// before previous Wait has returned") when a request begins just as Wait
// sees the count reach zero.
func TestUpgradedRequestsBeginWhileStopWaits(t *testing.T) {
	for range 50 {
		u := newUpgrader(nil)
		h := u.counted(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { runtime.Gosched() }))
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					h.ServeHTTP(httptest.NewRecorder(), upgradedRequest())
				}
			})
		}
		for range 2000 {
			u.wait(nil)
		}
		close(stop)
		wg.Wait()
	}
}

func upgradedRequest() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	r.ProtoMajor, r.ProtoMinor = 2, 0
	r.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	return r
}
