package sink_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// failingRow is the real client, except that the first write of one row
// fails as a 500 would; it counts the writes of every row.
type failingRow struct {
	*dynamodb.Client
	group string

	mu     sync.Mutex
	failed bool
	writes map[string]int // group -> UpdateItem calls
}

func (f *failingRow) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	group := in.Key["EventType"].(*types.AttributeValueMemberS).Value
	f.mu.Lock()
	f.writes[group]++
	fail := group == f.group && !f.failed
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return nil, errors.New("injected: internal server error")
	}
	return f.Client.UpdateItem(ctx, in, opts...)
}

// TestApplyAgainWritesOnlyTheRowsNotWritten: after a failed Apply, applying
// the batch again writes only the row that failed, and the counts are exact.
func TestApplyAgainWritesOnlyTheRowsNotWritten(t *testing.T) {
	tbl, db := newTable(t)
	f := &failingRow{Client: db, group: "Blue", writes: map[string]int{}}
	tbl.DB = f
	b := batch("shardId-000000000001", 0, 90)
	if _, err := tbl.Apply(context.Background(), b); err == nil || err.Error() != `update row 2015-06-05T12:54:00.000/Blue of "`+tbl.Name+`": injected: internal server error` {
		t.Fatalf("first Apply = %v, want the injected failure of the Blue row", err)
	}
	if b.Rows() != 1 {
		t.Fatalf("%d rows left in the batch after one of three failed, want 1", b.Rows())
	}
	before := map[string]int{"Red": f.writes["Red"], "Blue": f.writes["Blue"]}
	if _, err := tbl.Apply(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	if f.writes["Red"] != before["Red"] || f.writes["Blue"] != before["Blue"]+1 {
		t.Fatalf("writes per group went from %v to %v; want one more Blue write only", before, f.writes)
	}
	if got, want := rows(t, db, tbl.Name), wantRows(90); !equal(got, want) {
		t.Fatalf("rows = %v, want %v", got, want)
	}
}
