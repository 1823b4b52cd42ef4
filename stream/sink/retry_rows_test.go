package sink_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/view"
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

// TestApplyViewAgainWritesOnlyTheRowsNotWritten: as Apply, a view's batch
// applied again after a failure writes only the rows not yet written, for
// a view whose metrics all add and for one that reads and merges its rows.
func TestApplyViewAgainWritesOnlyTheRowsNotWritten(t *testing.T) {
	for name, metrics := range map[string][]string{"additive": {"count", "sum:bytes"}, "merged": {"count", "max:bytes"}} {
		t.Run(name, func(t *testing.T) {
			tbl, db := newTable(t)
			f := &failingRow{Client: db, group: "Blue", writes: map[string]int{}}
			tbl.DB = f
			v, err := view.Compile(view.Definition{Name: "v", Table: tbl.Name, GroupBy: []string{"type"}, Window: view.Window{Size: time.Minute}, Metrics: metrics})
			if err != nil {
				t.Fatal(err)
			}
			b, add := viewBatch(t, v)
			t0 := time.Date(2015, 6, 5, 12, 54, 43, 0, time.UTC)
			for i := range 90 {
				rec := fmt.Appendf(nil, `{"timestamp":"2015-06-05T12:54:43","type":%q,"bytes":%d}`, []string{"Red", "Blue", "Green"}[i%3], i)
				if err := add(i, rec, t0); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := tbl.ApplyView(context.Background(), b); err == nil || !strings.Contains(err.Error(), "injected: internal server error") {
				t.Fatalf("first ApplyView = %v, want the injected failure of the Blue row", err)
			}
			if b.Rows() != 1 {
				t.Fatalf("%d rows left in the batch after one of three failed, want 1", b.Rows())
			}
			before := map[string]int{"Red": f.writes["Red"], "Green": f.writes["Green"], "Blue": f.writes["Blue"]}
			if _, err := tbl.ApplyView(context.Background(), b); err != nil {
				t.Fatal(err)
			}
			if f.writes["Red"] != before["Red"] || f.writes["Green"] != before["Green"] || f.writes["Blue"] <= before["Blue"] {
				t.Fatalf("writes per group went from %v to %v; want more Blue writes only", before, f.writes)
			}
			want := map[bucket.Key]string{}
			for _, g := range []string{"Red", "Blue", "Green"} {
				want[bucket.Key{Start: "2015-06-05T12:54:00.000", Group: g}] = "30"
			}
			if got := rows(t, db, tbl.Name); !equal(got, want) {
				t.Fatalf("rows = %v, want %v", got, want)
			}
		})
	}
}
