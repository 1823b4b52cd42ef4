package dynamodb

import (
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// A table stored by an spk without streams kept the StreamSpecification it
// was created with; loading it gives the table the stream it asked for.
func TestStoredStreamSpecificationAdopted(t *testing.T) {
	db, err := store.Open(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := tableMeta{TableName: "legacy", TableID: "id-1", TableArn: "arn:aws:dynamodb:us-east-1:000000000000:table/legacy", TableStatus: "ACTIVE",
		AttributeDefinitions: []attributeDefinition{{"pk", "S"}}, KeySchema: []keySchemaElement{{"pk", "HASH"}}, BillingMode: "PAY_PER_REQUEST",
		StreamSpecification: json.RawMessage(`{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}`)}
	off := m
	off.TableName, off.TableID, off.StreamSpecification = "legacy-off", "id-2", json.RawMessage(`{"StreamEnabled":false}`)
	err = db.Update(func(tx *store.Tx) error {
		b, err := tx.CreateBucketIfNotExists(tablesBucket)
		if err != nil {
			return err
		}
		for _, m := range []tableMeta{m, off} {
			v, _ := json.Marshal(m)
			if err := b.Put([]byte(m.TableName), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	legacy, plain := s.tables["legacy"], s.tables["legacy-off"]
	if legacy.meta.LatestStreamArn == "" || string(legacy.meta.StreamSpecification) != `{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}` {
		t.Fatalf("adopted meta %+v", legacy.meta)
	}
	if plain.meta.LatestStreamArn != "" || plain.meta.StreamSpecification != nil {
		t.Fatalf("a disabled specification made a stream: %+v", plain.meta)
	}
	it := attr.Item{"pk": attr.StrValue("k")}
	err = s.commit(func(tx *store.Tx) error { return s.recordChange(tx, legacy, nil, it, false) })
	if err != nil {
		t.Fatal(err)
	}
	s.env.DB.View(func(tx *store.Tx) error {
		if n := countRecords(openStream(tx, legacy.meta.LatestStreamArn).records); n != 1 {
			t.Errorf("%d records, want 1", n)
		}
		return nil
	})
}

// The background pass rolls an idle shard over, removes records and
// closed shards past retention and drops a disabled stream a day old.
func TestStreamsMaintenance(t *testing.T) {
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var offset atomic.Int64 // the clock, moved by the test, is read by the service's goroutines
	start := time.Date(2026, 11, 26, 3, 20, 0, 123e6, time.UTC)
	advance := func(d time.Duration) { offset.Add(int64(d)) }
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: func() time.Time { return start.Add(time.Duration(offset.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.createTable([]byte(`{"TableName":"kept","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],` +
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}`))
	if err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	tbl := s.tables["kept"]
	arn := tbl.meta.LatestStreamArn
	s.mu.RUnlock()
	if arn != "arn:aws:dynamodb:us-east-1:000000000000:table/kept/stream/2026-11-26T03:20:00.123" {
		t.Fatalf("stream ARN %s", arn)
	}
	write := func(k string) {
		t.Helper()
		if err := s.commit(func(tx *store.Tx) error {
			return s.recordChange(tx, tbl, nil, attr.Item{"pk": attr.StrValue(k)}, false)
		}); err != nil {
			t.Fatal(err)
		}
	}
	counts := func() (shards, records int) {
		s.env.DB.View(func(tx *store.Tx) error {
			if sb := openStream(tx, arn); sb != nil {
				shards, records = sb.shards.Stats().KeyN, countRecords(sb.records)
			}
			return nil
		})
		return shards, records
	}
	maintain := func() {
		t.Helper()
		if err := s.commit(func(tx *store.Tx) error { _, err := s.maintainStreams(tx); return err }); err != nil {
			t.Fatal(err)
		}
	}
	write("a")
	advance(4*time.Hour + time.Second)
	maintain()
	if sh, rec := counts(); sh != 2 || rec != 1 {
		t.Fatalf("after an idle roll-over: %d shards, %d records", sh, rec)
	}
	write("b")
	advance(24 * time.Hour)
	maintain() // the first shard closed a day ago; "a" is past retention, "b" is not yet
	if sh, rec := counts(); sh != 2 || rec != 1 {
		t.Fatalf("a day after the roll-over: %d shards, %d records", sh, rec)
	}
	waitStatus(t, s, "kept", "ACTIVE")
	if _, err := s.updateTable([]byte(`{"TableName":"kept","StreamSpecification":{"StreamEnabled":false}}`)); err != nil {
		t.Fatal(err)
	}
	advance(24 * time.Hour)
	maintain()
	if sh, rec := counts(); sh != 0 || rec != 0 {
		t.Fatalf("a day after disabling the stream still has %d shards, %d records", sh, rec)
	}
}

// countRecords counts a stream's records in the shared log.
func countRecords(l *recordLog) int {
	n := 0
	c := l.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// TestStreamsMaintenanceIsBatched: a day of records expiring at once (an
// endpoint stopped for a day) is removed in commits of at most
// maxStreamTrimPerTx records, each saying whether more are left, so
// writers wait for one batch at most; a dropped stream's records too.
func TestStreamsMaintenanceIsBatched(t *testing.T) {
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var offset atomic.Int64
	start := time.Date(2026, 11, 26, 3, 20, 0, 0, time.UTC)
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: func() time.Time { return start.Add(time.Duration(offset.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.createTable([]byte(`{"TableName":"burst","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],` +
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"KEYS_ONLY"}}`)); err != nil {
		t.Fatal(err)
	}
	s.mu.RLock()
	tbl := s.tables["burst"]
	arn := tbl.meta.LatestStreamArn
	s.mu.RUnlock()
	const n = 2*maxStreamTrimPerTx + 500
	if err := s.commit(func(tx *store.Tx) error {
		for i := range n {
			if err := s.recordChange(tx, tbl, nil, attr.Item{"pk": attr.StrValue(fmt.Sprint(i))}, false); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	records := func() (n int) {
		s.env.DB.View(func(tx *store.Tx) error {
			if sb := openStream(tx, arn); sb != nil {
				n = countRecords(sb.records)
			}
			return nil
		})
		return n
	}
	offset.Add(int64(25 * time.Hour))
	for i, want := range []struct {
		left int
		more bool
	}{{n - maxStreamTrimPerTx, true}, {n - 2*maxStreamTrimPerTx, true}, {0, false}} {
		var more bool
		if err := s.commit(func(tx *store.Tx) (err error) { more, err = s.maintainStreams(tx); return err }); err != nil {
			t.Fatal(err)
		}
		if got := records(); got != want.left || more != want.more {
			t.Fatalf("after pass %d: %d records left, more %v; want %d, %v", i+1, got, more, want.left, want.more)
		}
	}
	// A dropped stream's records go in batches too, then the stream.
	if err := s.commit(func(tx *store.Tx) error {
		for i := range maxStreamTrimPerTx + 10 {
			if err := s.recordChange(tx, tbl, nil, attr.Item{"pk": attr.StrValue(fmt.Sprint(i))}, false); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "burst", "ACTIVE")
	if _, err := s.updateTable([]byte(`{"TableName":"burst","StreamSpecification":{"StreamEnabled":false}}`)); err != nil {
		t.Fatal(err)
	}
	offset.Add(int64(25 * time.Hour))
	passes := 0
	for more := true; more; passes++ {
		if err := s.commit(func(tx *store.Tx) (err error) { more, err = s.maintainStreams(tx); return err }); err != nil {
			t.Fatal(err)
		}
	}
	exists := true
	s.env.DB.View(func(tx *store.Tx) error { exists = openStream(tx, arn) != nil; return nil })
	if passes != 2 || exists {
		t.Fatalf("the dropped stream took %d passes and exists %v; want 2 passes and gone", passes, exists)
	}
}
