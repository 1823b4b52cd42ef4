package dynamodb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestStreamDurabilityAfterKill writes to a table with a stream in an
// endpoint process, kills it with SIGKILL mid-flight, restarts it on the
// same data directory and checks that the stream holds exactly one INSERT
// for each item on disk (every acknowledged write among them), in
// sequence, and that the stream goes on after the restart.
func TestStreamDurabilityAfterKill(t *testing.T) {
	if peer != "" {
		t.Skip("durability is a property of spk's endpoint, not of a peer")
	}
	dir := t.TempDir()
	child, url := localtest.StartChild(t, dir)
	c := clientFor(url)
	table := "streamed"
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}, {AttributeName: aws.String("sk"), AttributeType: "S"}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}, {AttributeName: aws.String("sk"), KeyType: "RANGE"}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := *out.TableDescription.LatestStreamArn
	waitActive(t, c, table)

	const writers = 8
	killAfter := int64(100 + rand.IntN(400))
	var acked atomic.Int64
	var mu sync.Mutex
	ackedKeys := map[string]bool{}
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				key := fmt.Sprintf("w%d-%d", w, i)
				if _, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s("p"), "sk": s(key)}}); err != nil {
					continue
				}
				mu.Lock()
				ackedKeys[key] = true
				mu.Unlock()
				if acked.Add(1) == killAfter {
					once.Do(func() {
						child.Process.Kill()
						close(killed)
					})
				}
			}
		}()
	}
	wg.Wait()
	child.Wait()

	_, url2 := localtest.StartChild(t, dir)
	c2, sc2 := clientFor(url2), streamsClientFor(url2)
	desc, err := c2.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if *desc.Table.LatestStreamArn != arn || desc.Table.StreamSpecification == nil {
		t.Fatalf("after the restart the table's stream is %v, was %s", desc.Table.LatestStreamArn, arn)
	}
	items := map[string]bool{}
	p := dynamodb.NewScanPaginator(c2, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			items[strOf(t, it["sk"])] = true
		}
	}
	recorded := map[string]bool{}
	lastSeq := ""
	for _, r := range readStream(t, sc2, arn) {
		key := strOf(t, dynItem(r.Dynamodb.Keys)["sk"])
		if recorded[key] || r.EventName != "INSERT" || *r.Dynamodb.SequenceNumber <= lastSeq {
			t.Fatalf("record %s %s (sequence %s after %s) repeats or is out of order", r.EventName, key, *r.Dynamodb.SequenceNumber, lastSeq)
		}
		recorded[key], lastSeq = true, *r.Dynamodb.SequenceNumber
	}
	for key := range ackedKeys {
		if !items[key] || !recorded[key] {
			t.Errorf("acknowledged put %s: item kept %v, stream record kept %v", key, items[key], recorded[key])
		}
	}
	if len(items) != len(recorded) {
		t.Errorf("%d items but %d stream records", len(items), len(recorded))
	}
	for key := range items {
		if !recorded[key] {
			t.Errorf("item %s has no stream record", key)
		}
	}
	t.Logf("killed after %d acknowledged puts; %d items and records after the restart", acked.Load(), len(items))

	put(t, c2, table, item{"pk": s("p"), "sk": s("after-restart")})
	recs := readStream(t, sc2, arn)
	if last := recs[len(recs)-1]; strOf(t, dynItem(last.Dynamodb.Keys)["sk"]) != "after-restart" || *last.Dynamodb.SequenceNumber <= lastSeq {
		t.Fatalf("the record written after the restart is %+v", last.Dynamodb)
	}
}
