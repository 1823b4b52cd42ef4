package local

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// spareGrace is how long a graceful stop lets a connection that has begun
// no request keep its chance to send one. On loopback a client writes its
// request as soon as it has dialed; one still silent after this long is a
// spare.
const spareGrace = 250 * time.Millisecond

// idleGrace is how long a graceful stop leaves an idle connection open:
// the stop's GOAWAY reaches a loopback client at once, and a request the
// client sent before reading it is under way well within this.
const idleGrace = spareGrace / 5

// spareConns keeps the connections with no request under way, so a
// graceful stop can close them. net/http's Shutdown waits for two kinds:
//   - one that has begun no request, until it is five seconds old. Clients
//     keep such spares: Go's http.Transport (and with it every AWS SDK for
//     Go) dials for a request, and when another connection frees up first
//     it sends the request there and pools the new connection unused.
//   - an idle HTTP/2 connection, for a second after its GOAWAY, waiting for
//     the client to close it, which Go's client does not do.
//
// Stopping spk local or spk up took that much longer whenever a client
// held one.
type spareConns struct {
	mu    sync.Mutex
	quiet map[net.Conn]time.Time // a fresh connection's accept time; zero for an idle one
}

func newSpareConns() *spareConns { return &spareConns{quiet: map[net.Conn]time.Time{}} }

// connState is http.Server.ConnState. An HTTP/2 connection reports through
// it too: StateActive while a stream is open, StateIdle when none is.
func (sc *spareConns) connState(c net.Conn, st http.ConnState) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	switch st {
	case http.StateNew:
		sc.quiet[c] = time.Now()
	case http.StateIdle:
		sc.quiet[c] = time.Time{}
	default:
		delete(sc.quiet, c)
	}
}

// closeSpares closes, until stop, each fresh connection once it is older
// than spareGrace, and each idle one once the stop has run for idleGrace.
// Neither had a request to lose.
func (sc *spareConns) closeSpares(stop <-chan struct{}) {
	began := time.Now()
	tick := time.NewTicker(idleGrace)
	defer tick.Stop()
	for {
		sc.mu.Lock()
		for c, accepted := range sc.quiet {
			due := began.Add(idleGrace)
			if !accepted.IsZero() {
				due = accepted.Add(spareGrace)
			}
			if !time.Now().Before(due) {
				c.Close()
				delete(sc.quiet, c)
			}
		}
		sc.mu.Unlock()
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}
