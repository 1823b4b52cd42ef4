package dynamodb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/spk-cli/spk/provision/local/localtest"
)

// TestDurabilityAfterKill writes concurrently to an endpoint running as a
// child process, kills it with SIGKILL at a random moment, restarts it on
// the same data directory and checks that every acknowledged write is
// there.
func TestDurabilityAfterKill(t *testing.T) {
	if peer != "" {
		t.Skip("durability is a property of spk's endpoint, not of a peer")
	}
	dir := t.TempDir()
	child, url := localtest.StartChild(t, dir)
	defer func() { child.Process.Kill(); child.Wait() }()
	c := clientFor(url)
	table := "events"
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("BucketStart"), AttributeType: "S"},
			{AttributeName: aws.String("EventType"), AttributeType: "S"}, {AttributeName: aws.String("v"), AttributeType: "N"}},
		KeySchema: []types.KeySchemaElement{{AttributeName: aws.String("BucketStart"), KeyType: "HASH"},
			{AttributeName: aws.String("EventType"), KeyType: "RANGE"}},
		// The puts are indexed: their entries must survive with them.
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("by-v"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("v"), KeyType: "HASH"}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitActive(t, c, table)

	const writers = 8
	killAfter := int64(200 + rand.IntN(600)) // acknowledged writes before the kill
	var acked atomic.Int64
	var mu sync.Mutex
	ackedPuts := map[string]bool{}
	ackedAdds := map[string]int{}
	triedAdds := map[string]int{}
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
				if i%2 == 0 {
					key := fmt.Sprintf("w%d-%d", w, i)
					_, err := c.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
						Item: item{"BucketStart": s("put"), "EventType": s(key), "v": n(strconv.Itoa(i))}})
					if err != nil {
						continue
					}
					mu.Lock()
					ackedPuts[key] = true
					mu.Unlock()
				} else {
					key := fmt.Sprintf("counter-%d", i%5)
					mu.Lock()
					triedAdds[key]++
					mu.Unlock()
					_, err := c.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(table),
						Key: item{"BucketStart": s("add"), "EventType": s(key)}, UpdateExpression: aws.String("ADD #c :one"),
						ExpressionAttributeNames: map[string]string{"#c": "count"}, ExpressionAttributeValues: item{":one": n("1")}})
					if err != nil {
						continue
					}
					mu.Lock()
					ackedAdds[key]++
					mu.Unlock()
				}
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
	t.Logf("killed after %d acknowledged writes (%d puts, %d counters)", acked.Load(), len(ackedPuts), len(ackedAdds))

	child2, url2 := localtest.StartChild(t, dir)
	defer func() { child2.Process.Kill(); child2.Wait() }()
	c2 := clientFor(url2)
	for key := range ackedPuts {
		out, err := c2.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"BucketStart": s("put"), "EventType": s(key)}, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			t.Errorf("acknowledged put %s lost", key)
		}
	}
	// The index holds exactly the items that hold its key.
	inTable := map[string]bool{}
	for _, it := range scanAll(t, c2, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)}) {
		if _, ok := it["v"]; ok {
			inTable[strOf(t, it["EventType"])] = true
		}
	}
	inIndex := map[string]bool{}
	for _, it := range scanAll(t, c2, &dynamodb.ScanInput{TableName: aws.String(table), IndexName: aws.String("by-v")}) {
		k := strOf(t, it["EventType"])
		if inIndex[k] {
			t.Errorf("the index holds %s twice", k)
		}
		inIndex[k] = true
	}
	if len(inIndex) != len(inTable) || len(inTable) < len(ackedPuts) {
		t.Errorf("the index holds %d items, the table %d with an index key, %d puts acknowledged", len(inIndex), len(inTable), len(ackedPuts))
	}
	for k := range inTable {
		if !inIndex[k] {
			t.Errorf("item %s is missing from the index", k)
		}
	}
	for key, want := range ackedAdds {
		out, err := c2.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: item{"BucketStart": s("add"), "EventType": s(key)}, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			t.Errorf("counter %s lost", key)
			continue
		}
		got, _ := strconv.Atoi(numOf(t, out.Item["count"]))
		if got < want || got > triedAdds[key] {
			t.Errorf("counter %s = %d, want between %d acknowledged and %d attempted", key, got, want, triedAdds[key])
		}
	}
}
