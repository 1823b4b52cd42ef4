package consume_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/consume"
	"github.com/spk-cli/spk/stream/consume/endpointtest"
	"github.com/spk-cli/spk/stream/view"
)

// TestTimesOutOfRange: an event whose time is outside the years 0001 to
// 9999 once in UTC, or whose zone offset is beyond ±23:59, is rejected once
// (not once per view) with its reason, and no row of any view gets it; the
// edges themselves are counted.
func TestTimesOutOfRange(t *testing.T) {
	t.Parallel() // one polling consumer on its own stream: its rejections are exact under any load
	v := newEnv(t, consume.Polling, 1, endpointtest.Options{})
	events := []struct{ ts, reason string }{
		{"2015-06-05T12:54:43.064528", ""},
		{"0000-01-01T00:00:00+01:00", "time_out_of_range"},
		{"9999-12-31T23:59:59-23:59", "time_out_of_range"},
		{"2015-06-05T12:54:43+24:00", "bad_timestamp"},
		{"0001-01-01T00:02:30Z", ""},
		{"9999-12-31T23:59:59Z", ""},
	}
	var entries []ktypes.PutRecordsRequestEntry
	for _, e := range events {
		data := fmt.Sprintf(`{"timestamp": %q, "type": "Red", "id": "x"}`, e.ts)
		entries = append(entries, ktypes.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte(data)})
	}
	if err := endpointtest.Put(context.Background(), v.kc, v.stream, entries); err != nil {
		t.Fatal(err)
	}
	// The tutorial's view (its fast path) and a sliding one (the generic
	// path), which near year 1 has fewer windows than usual.
	vs, err := view.CompileAll([]view.Definition{view.DefaultDefinition(),
		{Name: "sliding", GroupBy: []string{"type"}, Window: view.Window{Size: 5 * time.Minute, Slide: time.Minute}, Metrics: []string{"count"}}}, v.table)
	if err != nil {
		t.Fatal(err)
	}
	var dead strings.Builder
	o := v.options()
	o.Views, o.DeadLetter = vs, &dead
	c := v.runUntilCaughtUp(o)

	s := c.Snapshot()
	if s.Rejected != 3 || s.RejectedByReason["time_out_of_range"] != 2 || s.RejectedByReason["bad_timestamp"] != 1 || len(s.RejectedByReason) != 2 {
		t.Fatalf("rejected %d %v, want 3: time_out_of_range 2, bad_timestamp 1", s.Rejected, s.RejectedByReason)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(dead.String()), "\n") {
		var e consume.DeadLetterEntry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("dead-letter line %q: %v", l, err)
		}
		got = append(got, e.View+"|"+e.Reason+": "+e.Error)
	}
	want := []string{
		`|time_out_of_range: timestamp "0000-01-01T00:00:00+01:00" is -0001-12-31T23:00:00Z in UTC, outside the years 0001 to 9999`,
		`|time_out_of_range: timestamp "9999-12-31T23:59:59-23:59" is 10000-01-01T23:58:59Z in UTC, outside the years 0001 to 9999`,
		`|bad_timestamp: timestamp "2015-06-05T12:54:43+24:00" has zone offset +24:00 beyond ±23:59`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("dead letter\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	rows := map[string][]string{}
	for _, table := range []string{vs[0].Table(v.table), vs[1].Table(v.table)} {
		items, err := scanAll(v.db, table)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			rows[table] = append(rows[table], it["BucketStart"].(*dtypes.AttributeValueMemberS).Value+" "+
				it["EventType"].(*dtypes.AttributeValueMemberS).Value+" "+it["Count"].(*dtypes.AttributeValueMemberN).Value)
		}
		sort.Strings(rows[table])
	}
	wantRows := map[string][]string{
		vs[0].Table(v.table): {"0001-01-01T00:02:00.000 Red 1", "2015-06-05T12:54:00.000 Red 1", "9999-12-31T23:59:00.000 Red 1"},
		vs[1].Table(v.table): {
			"0001-01-01T00:00:00.000 Red 1", "0001-01-01T00:01:00.000 Red 1", "0001-01-01T00:02:00.000 Red 1",
			"2015-06-05T12:50:00.000 Red 1", "2015-06-05T12:51:00.000 Red 1", "2015-06-05T12:52:00.000 Red 1", "2015-06-05T12:53:00.000 Red 1", "2015-06-05T12:54:00.000 Red 1",
			"9999-12-31T23:55:00.000 Red 1", "9999-12-31T23:56:00.000 Red 1", "9999-12-31T23:57:00.000 Red 1", "9999-12-31T23:58:00.000 Red 1", "9999-12-31T23:59:00.000 Red 1",
		},
	}
	if fmt.Sprint(rows) != fmt.Sprint(wantRows) {
		t.Fatalf("rows\n%v\nwant\n%v", rows, wantRows)
	}
}
