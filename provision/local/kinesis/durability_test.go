package kinesis_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestDurabilityKill9 puts records from several goroutines, kills the
// endpoint process with SIGKILL at a random moment, restarts it on the same
// data dir, and checks every acknowledged record is there, in order, once.
func TestDurabilityKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills endpoint processes")
	}
	dir := t.TempDir()
	cmd, url := localtest.StartChild(t, dir)
	c := newClient(url, "AKIAFAKE", "secret")
	ctx := context.Background()
	name := "events"
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	tg := &target{url: url, client: c}
	tg.waitStatus(t, name, types.StreamStatusActive)

	type ack struct{ shard, seq, data string }
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
	)
	const writers = 6
	firstAcks := make(chan struct{}, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			signalled := false
			for i := 0; ; i++ {
				var recs []types.PutRecordsRequestEntry
				for j := 0; j < 1+i%20; j++ {
					recs = append(recs, types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprintf("w%d-%d", w, j)), Data: []byte(fmt.Sprintf("w%d-%d-%d", w, i, j))})
				}
				out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: recs})
				if err != nil {
					return // the endpoint died: unacknowledged
				}
				mu.Lock()
				for j, r := range out.Records {
					if r.ErrorCode == nil {
						acked = append(acked, ack{*r.ShardId, *r.SequenceNumber, string(recs[j].Data)})
					}
				}
				mu.Unlock()
				if !signalled {
					firstAcks <- struct{}{}
					signalled = true
				}
			}
		}(w)
	}
	for range writers {
		<-firstAcks
	}
	// Let the writers run for a random while, then kill -9.
	<-time.After(time.Duration(50+rand.IntN(400)) * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(acked) == 0 {
		t.Fatal("no record was acknowledged before the kill")
	}

	_, url2 := localtest.StartChild(t, dir)
	tg2 := &target{url: url2, client: newClient(url2, "AKIAFAKE", "secret")}
	stored := map[string][]ack{}
	for _, sh := range tg2.shards(t, name) {
		it := tg2.iterator(t, name, *sh.ShardId, types.ShardIteratorTypeTrimHorizon, nil)
		for {
			out := tg2.getRecords(t, it, 10000)
			for _, r := range out.Records {
				stored[*sh.ShardId] = append(stored[*sh.ShardId], ack{*sh.ShardId, *r.SequenceNumber, string(r.Data)})
			}
			if len(out.Records) == 0 {
				break
			}
			it = *out.NextShardIterator
		}
	}
	bySeq := map[string]ack{}
	for shard, recs := range stored {
		for i, r := range recs {
			if i > 0 && r.seq <= recs[i-1].seq {
				t.Fatalf("shard %s out of order at %d: %s after %s", shard, i, r.seq, recs[i-1].seq)
			}
			if _, dup := bySeq[r.seq]; dup {
				t.Fatalf("record %s stored twice", r.seq)
			}
			bySeq[r.seq] = r
		}
	}
	dataSeen := map[string]bool{}
	for _, r := range bySeq {
		if dataSeen[r.data] {
			t.Fatalf("data %s stored twice", r.data)
		}
		dataSeen[r.data] = true
	}
	for _, a := range acked {
		got, ok := bySeq[a.seq]
		if !ok {
			t.Fatalf("acknowledged record %s (%s) lost after kill -9; %d of %d acknowledged records checked", a.seq, a.data, len(acked), len(acked))
		}
		if got.data != a.data || got.shard != a.shard {
			t.Fatalf("record %s is %q on %s, acknowledged as %q on %s", a.seq, got.data, got.shard, a.data, a.shard)
		}
	}
	// In order: each writer's acknowledged records on a shard are stored in
	// the order they were acknowledged.
	ackedSeq := map[string]bool{}
	wantOrder := map[string][]string{} // writer+shard -> data in ack order
	for _, a := range acked {
		ackedSeq[a.seq] = true
		k := strings.SplitN(a.data, "-", 2)[0] + "/" + a.shard
		wantOrder[k] = append(wantOrder[k], a.data)
	}
	gotOrder := map[string][]string{}
	for shard, recs := range stored {
		for _, r := range recs {
			if ackedSeq[r.seq] {
				k := strings.SplitN(r.data, "-", 2)[0] + "/" + shard
				gotOrder[k] = append(gotOrder[k], r.data)
			}
		}
	}
	for k, want := range wantOrder {
		if fmt.Sprint(gotOrder[k]) != fmt.Sprint(want) {
			t.Fatalf("%s: stored order differs from acknowledged order", k)
		}
	}
	t.Logf("%d acknowledged records survived kill -9 (%d stored)", len(acked), len(bySeq))
}
