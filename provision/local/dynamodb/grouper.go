package dynamodb

import (
	"sync"
	"time"
)

// grouper sizes commit groups. Each commit costs about one fsync (and, in
// memory, a bbolt commit's page writes) however many writes share it, so
// throughput is writes per group over commit time. Synchronous clients
// fall into convoys: the writes acknowledged by one commit come back while
// the next is under way, so eight clients settle into small groups that
// take turns, each paying a whole commit. The grouper lets a group wait,
// briefly, for every client writing lately (activeWriters): the ones not
// in the group yet are on their way back with their next write. A lone
// writer never waits, and a group waits at most about as long as the last
// commit took, within [minLinger, maxLinger]: the wait is repaid as soon
// as one straggler joins instead of paying a commit of its own.
type grouper struct {
	lastCost time.Duration // duration of the last commit
}

const (
	// minLinger is long enough for a client on loopback to read its
	// answer and send its next write, when commits are cheap (in memory).
	minLinger = 300 * time.Microsecond
	// maxLinger bounds the wait when commits are slow (a busy disk).
	maxLinger = time.Millisecond
)

// want is the group size worth waiting for, with writers clients writing.
func (g *grouper) want(writers int) int { return min(writers, maxGroup) }

func (g *grouper) patience() time.Duration {
	return min(max(g.lastCost, minLinger), maxLinger)
}

func (g *grouper) done(cost time.Duration) { g.lastCost = cost }

// activeWriters counts the clients writing items lately: the connections
// (remote addresses) that sent an item write within the last
// writerWindow. A client that stops writing drops out of the count after
// that, so groups stop waiting for it.
type activeWriters struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// writerWindow is many commit times long, and short enough that a group
// waits for a departed client only for a few commits.
const writerWindow = 10 * time.Millisecond

func (a *activeWriters) saw(conn string, now time.Time) {
	a.mu.Lock()
	if a.last == nil {
		a.last = make(map[string]time.Time)
	}
	a.last[conn] = now
	a.mu.Unlock()
}

// count returns the clients that wrote within the window before now, and
// forgets the others.
func (a *activeWriters) count(now time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	for conn, t := range a.last {
		if now.Sub(t) > writerWindow {
			delete(a.last, conn)
		}
	}
	return len(a.last)
}
