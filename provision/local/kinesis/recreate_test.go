package kinesis

import (
	"strings"
	"testing"
)

// TestCreateStreamAfterItsDeletionCommitted: once a deleted stream is gone
// (DescribeStreamSummary answers ResourceNotFoundException), its name may be
// taken again at once, even before the service has dropped the old stream
// from its map. The state between the two steps is set up by hand, as the
// deletion's commit leaves it.
func TestCreateStreamAfterItsDeletionCommitted(t *testing.T) {
	s := newTestService(t, nil)
	s.mu.Lock()
	old := s.streams["events"]
	s.mu.Unlock()
	old.mu.Lock()
	old.gone = true
	old.dropped.Store(true)
	old.mu.Unlock()
	if rec := s.call("DescribeStreamSummary", `{"StreamName":"events"}`); !strings.Contains(rec.Body.String(), "ResourceNotFoundException") {
		t.Fatalf("the deleted stream described: %d %s", rec.Code, rec.Body)
	}
	if rec := s.call("CreateStream", `{"StreamName":"events","ShardCount":1}`); rec.Code != 200 {
		t.Fatalf("CreateStream of the deleted stream's name: %d %s", rec.Code, rec.Body)
	}
	s.mu.Lock()
	replaced := s.streams["events"] != old
	s.mu.Unlock()
	if !replaced {
		t.Fatal("the new stream did not take the name")
	}
}
