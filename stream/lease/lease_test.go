package lease_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/spk-cli/spk/provision/ddbtable"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/lease"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var endpoint endpointtest.Endpoints

func TestMain(m *testing.M) {
	shared := &endpointtest.Main{}
	endpoint = endpointtest.Start(shared, endpointtest.Options{})
	code := m.Run()
	shared.Close()
	os.Exit(code)
}

func newTable(t *testing.T, shards int) *lease.Table {
	t.Helper()
	_, db := endpoint.Clients()
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	tbl := &lease.Table{DB: db, Name: name}
	ctx := context.Background()
	if _, err := ddbtable.Ensure(ctx, db, []ddbtable.Spec{tbl.Spec()}, ddbtable.Options{}); err != nil {
		t.Fatal(err)
	}
	for i := range shards {
		if _, err := tbl.Create(ctx, lease.Lease{Key: fmt.Sprintf("shardId-%012d", i), Checkpoint: lease.TrimHorizon}); err != nil {
			t.Fatal(err)
		}
	}
	return tbl
}

type worker struct {
	*lease.Coordinator
	lost []string
}

func newWorker(tbl *lease.Table, id string, clock lease.Clock) *worker {
	w := &worker{}
	w.Coordinator = &lease.Coordinator{Table: tbl, WorkerID: id, Failover: 10 * time.Second, Clock: clock}
	w.Events.Lost = func(key string, err error) { w.lost = append(w.lost, key) }
	return w
}

func owners(t *testing.T, tbl *lease.Table) map[string]int {
	t.Helper()
	ls, err := tbl.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, l := range ls {
		out[l.Owner]++
	}
	return out
}

func TestCreateIsIdempotentAndKeepsKCLSchema(t *testing.T) {
	tbl := newTable(t, 1)
	ctx := context.Background()
	created, err := tbl.Create(ctx, lease.Lease{Key: "shardId-000000000000", Checkpoint: lease.Latest})
	if err != nil || created {
		t.Fatalf("second Create = %v, %v; want false, nil", created, err)
	}
	if out, err := ddbtable.Ensure(ctx, tbl.DB, []ddbtable.Spec{tbl.Spec()}, ddbtable.Options{}); err != nil || out[0].Created {
		t.Fatalf("Ensure on an existing table: %+v %v", out, err)
	}
	l, ok, err := tbl.Get(ctx, "shardId-000000000000")
	if err != nil || !ok || l.Checkpoint != lease.TrimHorizon || l.Counter != 0 || l.Owner != "" {
		t.Fatalf("lease = %+v, %v, %v", l, ok, err)
	}
}

func TestFencingRefusesStaleOwner(t *testing.T) {
	tbl := newTable(t, 1)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := newWorker(tbl, "worker-a", clock)
	if err := a.TakeOnce(ctx); err != nil {
		t.Fatal(err)
	}
	held := a.Held()
	if len(held) != 1 {
		t.Fatalf("worker-a holds %d leases, want 1", len(held))
	}
	h := held[0]
	if err := h.Checkpoint(ctx, "100", 0); err != nil {
		t.Fatalf("checkpoint by owner: %v", err)
	}
	// Another worker takes the lease with the counter it read.
	cur, _, _ := tbl.Get(ctx, h.Key())
	if _, err := tbl.Take(ctx, cur.Key, cur.Counter, "worker-b"); err != nil {
		t.Fatal(err)
	}
	err := h.Checkpoint(ctx, "200", 0)
	if !errors.Is(err, lease.ErrLeaseLost) || !strings.Contains(err.Error(), "lease lost to another worker") {
		t.Fatalf("stale checkpoint error = %v, want ErrLeaseLost", err)
	}
	if h.Context().Err() == nil {
		t.Fatal("the stale handle's context is still live after its checkpoint was refused")
	}
	after, _, _ := tbl.Get(ctx, h.Key())
	if after.Owner != "worker-b" || after.Checkpoint != "100" {
		t.Fatalf("after refused write lease = %+v, want owner worker-b and checkpoint 100", after)
	}
	// A stale renewal and a stale release are refused as well.
	if _, err := tbl.Renew(ctx, h.Key(), cur.Counter, "worker-a"); !errors.Is(err, lease.ErrLeaseLost) {
		t.Fatalf("stale renew = %v", err)
	}
	if _, err := tbl.Release(ctx, h.Key(), after.Counter, "worker-a"); !errors.Is(err, lease.ErrLeaseLost) {
		t.Fatalf("release by a non-owner = %v", err)
	}
	if final, _, _ := tbl.Get(ctx, h.Key()); final.Owner != "worker-b" || final.Counter != after.Counter {
		t.Fatalf("refused writes changed the lease: %+v", final)
	}
}

func TestRenewalLossStopsProcessing(t *testing.T) {
	tbl := newTable(t, 2)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := newWorker(tbl, "worker-a", clock)
	a.TakeOnce(ctx)
	hs := a.Held()
	if len(hs) != 2 {
		t.Fatalf("held %d, want 2", len(hs))
	}
	cur, _, _ := tbl.Get(ctx, hs[0].Key())
	if _, err := tbl.Take(ctx, cur.Key, cur.Counter, "worker-b"); err != nil {
		t.Fatal(err)
	}
	a.RenewOnce(ctx)
	if hs[0].Context().Err() == nil || hs[1].Context().Err() != nil {
		t.Fatalf("after renewal: stolen lease live=%v, kept lease live=%v", hs[0].Context().Err() == nil, hs[1].Context().Err() == nil)
	}
	if len(a.lost) != 1 || a.lost[0] != hs[0].Key() || len(a.Held()) != 1 {
		t.Fatalf("lost = %v, held = %d", a.lost, len(a.Held()))
	}
}

func TestExpiryByObserverMonotonicClock(t *testing.T) {
	tbl := newTable(t, 4)
	ctx := context.Background()
	clockA := &fakeClock{t: time.Unix(1000, 0)}
	// worker-b's clock reads a wildly different wall time: only its own
	// elapsed time may matter.
	clockB := &fakeClock{t: time.Unix(9_000_000, 0)}
	a := newWorker(tbl, "worker-a", clockA)
	b := newWorker(tbl, "worker-b", clockB)
	a.TakeOnce(ctx)
	if got := owners(t, tbl)["worker-a"]; got != 4 {
		t.Fatalf("worker-a holds %d, want 4", got)
	}
	// worker-a dies: it renews no more. worker-b sees live leases and takes
	// its fair share by stealing (2 of 4), nothing more.
	b.TakeOnce(ctx)
	if got := owners(t, tbl); got["worker-b"] != 2 || got["worker-a"] != 2 {
		t.Fatalf("after first scan owners = %v, want 2 each", got)
	}
	clockB.Advance(10*time.Second - time.Millisecond)
	b.TakeOnce(ctx)
	if got := owners(t, tbl); got["worker-b"] != 2 {
		t.Fatalf("before the failover time owners = %v, want worker-b still at 2", got)
	}
	clockB.Advance(time.Millisecond)
	b.TakeOnce(ctx)
	if got := owners(t, tbl); got["worker-b"] != 4 {
		t.Fatalf("after the failover time owners = %v, want worker-b to hold all 4", got)
	}
}

func TestRenewedLeaseNeverExpires(t *testing.T) {
	tbl := newTable(t, 2)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := newWorker(tbl, "worker-a", clock)
	b := newWorker(tbl, "worker-b", clock)
	a.TakeOnce(ctx)
	b.TakeOnce(ctx) // steals one
	a.RenewOnce(ctx)
	a.lost = nil
	for range 10 {
		clock.Advance(4 * time.Second)
		a.RenewOnce(ctx)
		b.RenewOnce(ctx)
		a.TakeOnce(ctx)
		b.TakeOnce(ctx)
	}
	if got := owners(t, tbl); got["worker-a"] != 1 || got["worker-b"] != 1 {
		t.Fatalf("owners = %v, want one each", got)
	}
	if len(a.lost)+len(b.lost) != 0 {
		t.Fatalf("leases lost while renewed: %v %v", a.lost, b.lost)
	}
}

func TestBalance(t *testing.T) {
	cases := []struct {
		name    string
		shards  int
		workers int
	}{
		{"one worker four shards", 4, 1},
		{"two workers four shards", 4, 2},
		{"three workers four shards", 4, 3},
		{"three workers ten shards", 10, 3},
		{"four workers two shards", 2, 4},
		{"five workers twenty-three shards", 23, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tbl := newTable(t, c.shards)
			ctx := context.Background()
			clock := &fakeClock{t: time.Unix(1000, 0)}
			var ws []*worker
			// Workers join one at a time; each must reach its fair share in
			// its first scan, and everyone settles within two rounds.
			for i := range c.workers {
				w := newWorker(tbl, fmt.Sprintf("worker-%d", i), clock)
				ws = append(ws, w)
				w.TakeOnce(ctx)
				for _, o := range ws {
					o.RenewOnce(ctx)
				}
			}
			for range 2 {
				for _, w := range ws {
					clock.Advance(time.Second)
					w.RenewOnce(ctx)
					w.TakeOnce(ctx)
				}
			}
			got := owners(t, tbl)
			lo, hi := c.shards/c.workers, (c.shards+c.workers-1)/c.workers
			total := 0
			for _, w := range ws {
				n := got[w.WorkerID]
				total += n
				if n < lo || n > hi {
					t.Errorf("%s holds %d leases, want %d..%d (owners %v)", w.WorkerID, n, lo, hi, got)
				}
				if len(w.Held()) != n {
					t.Errorf("%s believes it holds %d, table says %d", w.WorkerID, len(w.Held()), n)
				}
			}
			if total != c.shards {
				t.Errorf("%d of %d leases owned: %v", total, c.shards, got)
			}
		})
	}
}

func TestReleaseLetsAnotherTakeAtOnce(t *testing.T) {
	tbl := newTable(t, 3)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := newWorker(tbl, "worker-a", clock)
	b := newWorker(tbl, "worker-b", clock)
	a.TakeOnce(ctx)
	b.TakeOnce(ctx) // sees worker-a alive, steals to its share: 1 of 3
	a.RenewOnce(ctx)
	for _, h := range a.Held() {
		if err := h.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := owners(t, tbl); got[""] != 2 {
		t.Fatalf("after release owners = %v, want 2 free", got)
	}
	b.TakeOnce(ctx) // no clock advance: released leases are free at once
	if got := owners(t, tbl); got["worker-b"] != 3 {
		t.Fatalf("owners = %v, want worker-b to hold all 3", got)
	}
}

func TestFinishedLeasesAreNotTakenAndGateChildren(t *testing.T) {
	tbl := newTable(t, 0)
	ctx := context.Background()
	for _, l := range []lease.Lease{
		{Key: "shardId-000000000000", Checkpoint: lease.TrimHorizon},
		{Key: "shardId-000000000001", Checkpoint: lease.TrimHorizon},
		{Key: "shardId-000000000002", Checkpoint: lease.TrimHorizon, Parents: []string{"shardId-000000000000", "shardId-000000000001"}},
	} {
		if _, err := tbl.Create(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	a := newWorker(tbl, "worker-a", &fakeClock{t: time.Unix(1000, 0)})
	a.TakeOnce(ctx)
	byKey := func() map[string]lease.Lease {
		ls, _ := tbl.List(ctx)
		m := map[string]lease.Lease{}
		for _, l := range ls {
			m[l.Key] = l
		}
		return m
	}
	child := byKey()["shardId-000000000002"]
	if lease.ParentsFinished(child, byKey()) {
		t.Fatal("child ready before its parents finished")
	}
	hs := a.Held()
	if err := hs[0].Finish(ctx, []string{"shardId-000000000002"}); err != nil {
		t.Fatal(err)
	}
	if lease.ParentsFinished(child, byKey()) {
		t.Fatal("child of a merge ready after only one parent finished")
	}
	if err := hs[1].Finish(ctx, []string{"shardId-000000000002"}); err != nil {
		t.Fatal(err)
	}
	m := byKey()
	if !lease.ParentsFinished(child, m) {
		t.Fatal("child not ready after both parents finished")
	}
	p := m["shardId-000000000000"]
	if p.Owner != "" || p.Checkpoint != lease.ShardEnd || len(p.Children) != 1 {
		t.Fatalf("finished parent = %+v", p)
	}
	a.TakeOnce(ctx)
	if got := owners(t, tbl); got["worker-a"] != 1 || got[""] != 2 {
		t.Fatalf("owners = %v: finished leases must stay free", got)
	}
}

// TestReleaseOrphans: a take whose request was cancelled in flight may
// still have been applied; after a stop, the worker hands back every lease
// the table says it owns, and leaves other workers' leases alone.
func TestReleaseOrphans(t *testing.T) {
	tbl := newTable(t, 3)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	a := newWorker(tbl, "worker-a", clock)
	b := newWorker(tbl, "worker-b", clock)
	b.TakeOnce(ctx) // worker-b holds all three
	// worker-a "took" one lease behind its own back: the write landed, but
	// worker-a never learnt it (no handle), as after a cancelled request.
	for _, h := range b.Held()[:1] {
		if err := h.Release(ctx); err != nil {
			t.Fatal(err)
		}
	}
	leases, err := tbl.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var orphan lease.Lease
	for _, l := range leases {
		if l.Owner == "" {
			orphan = l
		}
	}
	if _, err := tbl.Take(ctx, orphan.Key, orphan.Counter, "worker-a"); err != nil {
		t.Fatal(err)
	}
	if got := owners(t, tbl); got["worker-a"] != 1 || got["worker-b"] != 2 {
		t.Fatalf("owners before = %v", got)
	}
	if err := a.ReleaseOrphans(ctx); err != nil {
		t.Fatal(err)
	}
	if got := owners(t, tbl); got["worker-a"] != 0 || got[""] != 1 || got["worker-b"] != 2 {
		t.Fatalf("owners after = %v, want worker-a's orphan free and worker-b's two untouched", got)
	}
}

// TestLeasesJudgedByTheOwnersFailover: a worker with a short failover does
// not take the leases of a worker with a longer one between its renewals
// (every third of its own failover), and takes a dead one's leases after
// the owner's failover, not its own.
func TestLeasesJudgedByTheOwnersFailover(t *testing.T) {
	tbl := newTable(t, 2)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	slowTbl, quickTbl := *tbl, *tbl
	slowTbl.Failover, quickTbl.Failover = 30*time.Second, time.Second
	a := &lease.Coordinator{Table: &slowTbl, WorkerID: "worker-a", Failover: 30 * time.Second, Clock: clock}
	b := &lease.Coordinator{Table: &quickTbl, WorkerID: "worker-b", Failover: time.Second, Clock: clock}
	a.TakeOnce(ctx)
	b.TakeOnce(ctx)                      // its fair share: one of two
	for step := 1; step <= 120; step++ { // a minute in half seconds
		clock.Advance(500 * time.Millisecond)
		if step%20 == 0 {
			a.RenewOnce(ctx) // every ten seconds, a third of its failover
		}
		b.RenewOnce(ctx)
		b.TakeOnce(ctx)
		a.TakeOnce(ctx)
		if got := owners(t, tbl); got["worker-a"] != 1 || got["worker-b"] != 1 {
			t.Fatalf("after %v, owners = %v, want one each", time.Duration(step)*500*time.Millisecond, got)
		}
	}
	// worker-a dies. worker-b waits for worker-a's failover, not its own.
	for step := 1; step <= 60; step++ {
		clock.Advance(500 * time.Millisecond)
		b.RenewOnce(ctx)
		b.TakeOnce(ctx)
		want := 1
		if step >= 60 {
			want = 2
		}
		if got := owners(t, tbl)["worker-b"]; got != want {
			t.Fatalf("%v after worker-a's last renewal, worker-b holds %d, want %d", time.Duration(step)*500*time.Millisecond, got, want)
		}
	}
}

// TestTwoProcessesWithOneWorkerID: two live coordinators with one worker id
// take the leases from each other; the one that finds its leases written by
// the other says so, once. A worker restarted under its id, taking its dead
// predecessor's leases, does not.
func TestTwoProcessesWithOneWorkerID(t *testing.T) {
	tbl := newTable(t, 2)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	var logs1, logs2 bytes.Buffer
	p1 := &lease.Coordinator{Table: tbl, WorkerID: "worker-w", Failover: 10 * time.Second, Clock: clock, Log: slog.New(slog.NewTextHandler(&logs1, nil))}
	p2 := &lease.Coordinator{Table: tbl, WorkerID: "worker-w", Failover: 10 * time.Second, Clock: clock, Log: slog.New(slog.NewTextHandler(&logs2, nil))}
	p1.TakeOnce(ctx)
	for range 4 {
		clock.Advance(3 * time.Second)
		p2.TakeOnce(ctx)
		p1.RenewOnce(ctx)
		p2.RenewOnce(ctx)
		p1.TakeOnce(ctx)
		p2.RenewOnce(ctx)
	}
	const said = "another process runs with this worker id"
	if n := strings.Count(logs1.String(), said) + strings.Count(logs2.String(), said); n != 1 {
		t.Fatalf("the warning was given %d times, want once:\n%s\n%s", n, logs1.String(), logs2.String())
	}

	t.Run("restart", func(t *testing.T) { testRestartUnderOneWorkerID(t, clock) })
}

// afterScan runs hook once, after the next Scan is answered and before the
// lease listing that made it returns.
type afterScan struct {
	lease.DynamoDB
	hook func()
}

func (d *afterScan) Scan(ctx context.Context, in *dynamodb.ScanInput, o ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	out, err := d.DynamoDB.Scan(ctx, in, o...)
	if h := d.hook; h != nil {
		d.hook = nil
		h()
	}
	return out, err
}

// TestALeaseLetGoDuringAScanIsNotATwin: a lease this worker finished or
// released while a scan of the table was under way is in the scan under
// its id with a moved counter, and no longer held when the scan is read:
// it was taken for another process writing under the id, and the warning
// sent the user to fix a set-up that was right.
func TestALeaseLetGoDuringAScanIsNotATwin(t *testing.T) {
	tbl := newTable(t, 1)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	db := &afterScan{DynamoDB: tbl.DB}
	var logs bytes.Buffer
	var h *lease.Handle
	c := &lease.Coordinator{Table: &lease.Table{DB: db, Name: tbl.Name}, WorkerID: "worker-o", Failover: 10 * time.Second, Clock: clock,
		Log: slog.New(slog.NewTextHandler(&logs, nil)), Events: lease.Events{Acquired: func(got *lease.Handle) { h = got }}}
	c.TakeOnce(ctx) // takes the lease
	clock.Advance(3 * time.Second)
	c.TakeOnce(ctx) // sees it held, under this worker's id
	if h == nil {
		t.Fatal("no lease taken")
	}
	c.RenewOnce(ctx)
	db.hook = func() {
		if err := h.Release(ctx); err != nil {
			t.Error(err)
		}
	}
	clock.Advance(3 * time.Second)
	c.TakeOnce(ctx)
	if strings.Contains(logs.String(), "another process runs with this worker id") {
		t.Fatalf("a lease released during the scan was taken for a twin's:\n%s", logs.String())
	}
}

// testRestartUnderOneWorkerID: the old process is gone, the new one takes
// its leases, and no warning is given.
func testRestartUnderOneWorkerID(t *testing.T, clock *fakeClock) {
	ctx := context.Background()
	const said = "another process runs with this worker id"
	tbl2 := newTable(t, 2)
	var logs3 bytes.Buffer
	old := &lease.Coordinator{Table: tbl2, WorkerID: "worker-r", Failover: 10 * time.Second, Clock: clock}
	old.TakeOnce(ctx)
	restarted := &lease.Coordinator{Table: tbl2, WorkerID: "worker-r", Failover: 10 * time.Second, Clock: clock, Log: slog.New(slog.NewTextHandler(&logs3, nil))}
	for range 4 {
		clock.Advance(3 * time.Second)
		restarted.TakeOnce(ctx)
		restarted.RenewOnce(ctx)
	}
	if got := owners(t, tbl2)["worker-r"]; got != 2 || strings.Contains(logs3.String(), said) {
		t.Fatalf("restarted worker holds %d; logs:\n%s", got, logs3.String())
	}
}

// awayUpdates fails every UpdateItem while away is set.
type awayUpdates struct {
	lease.DynamoDB
	away bool
}

func (d *awayUpdates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if d.away {
		return nil, errors.New("connect: connection refused")
	}
	return d.DynamoDB.UpdateItem(ctx, in, o...)
}

// TestALeaseGivenUpWhileTheEndpointWasAwayIsNotATwin: a worker whose
// renewals failed for two thirds of the failover time gives its lease up;
// the lease, last written by this process's own renewals, is not another
// process's doing (and the one warning about a shared worker id is kept
// for a real one: TestTwoProcessesWithOneWorkerID).
func TestALeaseGivenUpWhileTheEndpointWasAwayIsNotATwin(t *testing.T) {
	tbl := newTable(t, 1)
	ctx := context.Background()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	db := &awayUpdates{DynamoDB: tbl.DB}
	var logs bytes.Buffer
	c := &lease.Coordinator{Table: &lease.Table{DB: db, Name: tbl.Name}, WorkerID: "worker-a", Failover: 9 * time.Second, Clock: clock,
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	c.TakeOnce(ctx) // takes the lease
	clock.Advance(3 * time.Second)
	c.TakeOnce(ctx) // sees it held
	c.RenewOnce(ctx)
	c.RenewOnce(ctx) // the counter moves past what the scan saw
	db.away = true
	clock.Advance(3 * time.Second)
	c.RenewOnce(ctx)
	clock.Advance(3 * time.Second)
	c.RenewOnce(ctx) // six seconds without a renewal: given up
	if !strings.Contains(logs.String(), "lease lost") {
		t.Fatalf("the lease was not given up:\n%s", logs.String())
	}
	db.away = false
	c.TakeOnce(ctx)
	const said = "another process runs with this worker id"
	if strings.Contains(logs.String(), said) {
		t.Fatalf("the worker's own renewals were taken for a twin's:\n%s", logs.String())
	}
	if got := owners(t, tbl)["worker-a"]; got != 1 {
		t.Fatalf("worker-a holds %d leases after the endpoint came back, want 1", got)
	}
}
