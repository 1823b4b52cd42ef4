package dynamodb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestKinesisDestinationSurvivesKill writes to a table with a Kinesis
// streaming destination on an endpoint running as a child process, kills
// it with SIGKILL mid-flight and restarts it on the same data directory:
// every acknowledged write's record reaches the stream (some may arrive
// twice, as on DynamoDB), and the destination keeps streaming.
func TestKinesisDestinationSurvivesKill(t *testing.T) {
	if peer != "" {
		t.Skip("durability is a property of spk's endpoint, not of a peer")
	}
	dir := t.TempDir()
	child, url := localtest.StartChild(t, dir)
	defer func() { child.Process.Kill(); child.Wait() }()
	c, kc := clientFor(url), kinesisFor(url)
	table := "changes"
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(table), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, table)
	if _, err := kc.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("changes"), ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	w := kinesis.NewStreamExistsWaiter(kc, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 100*time.Millisecond
	})
	if err := w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String("changes")}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:kinesis:us-east-1:000000000000:stream/changes"
	enable(t, c, table, arn)

	const writers = 8
	killAfter := int64(100 + rand.IntN(400))
	var acked atomic.Int64
	var mu sync.Mutex
	ackedKeys := map[string]bool{}
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-killed:
					return
				default:
				}
				key := fmt.Sprintf("w%d-%d", w, i)
				_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item{"pk": s(key), "i": n(strconv.Itoa(i))}})
				if err != nil {
					continue
				}
				mu.Lock()
				ackedKeys[key] = true
				mu.Unlock()
				if acked.Add(1) == killAfter {
					once.Do(func() {
						child.Process.Kill() // SIGKILL: no shutdown, no final sync
						close(killed)
					})
				}
			}
		}(w)
	}
	wg.Wait()
	child.Wait()

	child2, url2 := localtest.StartChild(t, dir)
	defer func() { child2.Process.Kill(); child2.Wait() }()
	c2, kc2 := clientFor(url2), kinesisFor(url2)
	if got := waitDestination(t, c2, table, arn, types.DestinationStatusActive); got.DestinationStatus != types.DestinationStatusActive {
		t.Fatalf("destination after restart: %+v", got)
	}
	put(t, c2, table, item{"pk": s("after-restart")})
	deadline := time.Now().Add(30 * time.Second)
	for {
		seen := map[string]int{}
		for _, r := range readKinesisChanges(t, kc2, arn, 0) {
			seen[r.Dynamodb.Keys["pk"].(map[string]any)["S"].(string)]++
		}
		var missing []string
		for k := range ackedKeys {
			if seen[k] == 0 {
				missing = append(missing, k)
			}
		}
		if seen["after-restart"] == 0 {
			missing = append(missing, "after-restart")
		}
		if len(missing) == 0 {
			t.Logf("killed after %d acknowledged writes; the stream holds records of %d items", acked.Load(), len(seen))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d acknowledged writes never reached the stream, e.g. %v", len(missing), missing[:min(5, len(missing))])
		}
		time.Sleep(50 * time.Millisecond) // polling interval
	}
}
