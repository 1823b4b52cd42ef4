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

// spareConns keeps the connections that have begun no request yet, so a
// graceful stop can close them. Clients keep spares: Go's http.Transport
// (and with it every AWS SDK for Go) dials for a request, and when another
// connection frees up first it sends the request there and pools the new
// connection unused. net/http's Shutdown waits for such a connection as
// for a busy one until it is five seconds old, so stopping spk local or
// spk up took five seconds longer whenever a client held a spare.
type spareConns struct {
	mu    sync.Mutex
	fresh map[net.Conn]time.Time // accepted, no request begun
}

func newSpareConns() *spareConns { return &spareConns{fresh: map[net.Conn]time.Time{}} }

// connState is http.Server.ConnState: a connection is fresh from its
// accept until its first request. An HTTP/2 connection reports StateActive
// through this hook too, when its first stream opens.
func (sc *spareConns) connState(c net.Conn, st http.ConnState) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if st == http.StateNew {
		sc.fresh[c] = time.Now()
	} else {
		delete(sc.fresh, c)
	}
}

// closeSpares closes, until stop, each fresh connection once it is older
// than spareGrace. A closed spare had no request to lose.
func (sc *spareConns) closeSpares(stop <-chan struct{}) {
	tick := time.NewTicker(spareGrace / 5)
	defer tick.Stop()
	for {
		sc.mu.Lock()
		for c, since := range sc.fresh {
			if time.Since(since) >= spareGrace {
				c.Close()
				delete(sc.fresh, c)
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
