package provision_test

import (
	"context"
	"testing"

	"github.com/spk-cli/spk/provision"
	"github.com/spk-cli/spk/stream/lease"
)

// TestStatusReadsLeasesAsTheConsumerWroteThem: spk status shows each
// lease's key, owner, counter and checkpoint (with its user record within a
// KPL aggregate) as the lease table holds them.
func TestStatusReadsLeasesAsTheConsumerWroteThem(t *testing.T) {
	c := clients(t)
	ctx := context.Background()
	if _, err := provision.CreateTable(ctx, c.DynamoDB, lease.TableSpec("StatusApp"), nil); err != nil {
		t.Fatal(err)
	}
	tbl := &lease.Table{DB: c.DynamoDB, Name: "StatusApp"}
	for _, key := range []string{"shardId-000000000000", "shardId-000000000001"} {
		if _, err := tbl.Create(ctx, lease.Lease{Key: key, Checkpoint: lease.TrimHorizon}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tbl.Take(ctx, "shardId-000000000001", 0, "worker-a"); err != nil {
		t.Fatal(err)
	}
	// A checkpoint within a KPL aggregate: its user record is shown too.
	const seq = "49590338271490256608559692538361571095921575989136588898"
	if _, err := tbl.Checkpoint(ctx, "shardId-000000000001", 1, "worker-a", seq, 3); err != nil {
		t.Fatal(err)
	}
	s := provision.GetStatus(ctx, c, "no-stream", "no-table", "StatusApp", nil)
	got := map[string]provision.Lease{}
	for _, l := range s.LeaseTable.Leases {
		got[l.Key] = l
	}
	want := map[string]provision.Lease{
		"shardId-000000000000": {Key: "shardId-000000000000", Counter: "0", Checkpoint: lease.TrimHorizon},
		"shardId-000000000001": {Key: "shardId-000000000001", Owner: "worker-a", Counter: "2", Checkpoint: seq, SubSequence: 3},
	}
	if len(got) != len(want) || s.LeaseTable.Error != "" {
		t.Fatalf("leases %+v (error %q), want %+v", s.LeaseTable.Leases, s.LeaseTable.Error, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("lease %s: %+v, want %+v", k, got[k], w)
		}
	}
}
