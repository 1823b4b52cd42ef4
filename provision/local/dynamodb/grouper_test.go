package dynamodb

import (
	"testing"
	"time"
)

func TestGrouperExpectsTheWritersInPlay(t *testing.T) {
	var g grouper
	if g.want() != 0 {
		t.Fatalf("a fresh grouper wants %d writers, want 0 (a first write never waits)", g.want())
	}
	g.done(1, 0, 300*time.Microsecond)
	if g.want() != 1 {
		t.Fatalf("after a lone writer, want() = %d, want 1", g.want())
	}
	// Two convoys of four: four committed while four queued.
	g.done(4, 4, 400*time.Microsecond)
	if g.want() != 8 || g.patience() != 400*time.Microsecond {
		t.Fatalf("after 4 committed and 4 queued: want() = %d, patience() = %v; want 8 and 400µs", g.want(), g.patience())
	}
	// Writers went away: the estimate follows at once.
	g.done(2, 0, 5*time.Second)
	if g.want() != 2 || g.patience() != maxLinger {
		t.Fatalf("after a slow commit of 2: want() = %d, patience() = %v; want 2 and %v", g.want(), g.patience(), maxLinger)
	}
	g.done(maxGroup, 10*maxGroup, time.Millisecond)
	if g.want() != maxGroup {
		t.Fatalf("want() = %d beyond the group limit %d", g.want(), maxGroup)
	}
}

func TestLingerTakesStragglersUntilTheGroupIsWhole(t *testing.T) {
	s := &Service{commits: make(chan *commitOp, 8), stop: make(chan struct{})}
	first := &commitOp{}
	for range 3 {
		s.commits <- &commitOp{}
	}
	// Enough arrive: the group is whole without waiting out the patience.
	group := s.linger([]*commitOp{first}, 4, time.Hour)
	if len(group) != 4 || group[0] != first {
		t.Fatalf("linger returned %d writes (first kept: %v), want 4 with the first first", len(group), group[0] == first)
	}
	// Nobody else comes: the group goes as it is once the patience is out.
	s.commits <- &commitOp{}
	group = s.linger([]*commitOp{first}, 8, time.Millisecond)
	if len(group) != 2 {
		t.Fatalf("linger returned %d writes, want the 2 that came", len(group))
	}
	// Shutting down: no waiting at all.
	close(s.stop)
	group = s.linger([]*commitOp{first}, 8, time.Hour)
	if len(group) != 1 {
		t.Fatalf("linger during shutdown returned %d writes, want 1", len(group))
	}
}
