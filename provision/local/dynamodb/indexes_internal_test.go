package dynamodb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/dynamodb/attr"
	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

const eventsTable = `{"TableName":"events","BillingMode":"PAY_PER_REQUEST",` +
	`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"user","AttributeType":"S"},{"AttributeName":"at","AttributeType":"N"}],` +
	`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],` +
	`"GlobalSecondaryIndexes":[{"IndexName":"by-user","KeySchema":[{"AttributeName":"user","KeyType":"HASH"},{"AttributeName":"at","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`

// op calls the service and fails the test unless it answered 200.
func op(t testing.TB, s *Service, name, body string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(opText(t, s, name, body)), &out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out
}

// opText serves one request of operation name and returns the whole
// answer, to compare as text; anything but a 200 fails the test.
func opText(t testing.TB, s *Service, name, body string) string {
	t.Helper()
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), name, []byte(body))
	if w.Code != 200 {
		t.Fatalf("%s %s: %d %s", name, body, w.Code, w.Body)
	}
	return w.Body.String()
}

// queryIDs is the ids a Query of the index for user answers, in order.
func queryIDs(t testing.TB, s *Service, index, user string) []string {
	return queryIDsBy(t, s, index, "user", `{"S":"`+user+`"}`)
}

// queryIDsBy is the ids a Query of the index for the partition name = value
// (JSON) answers, in order.
func queryIDsBy(t testing.TB, s *Service, index, name, value string) []string {
	t.Helper()
	out := op(t, s, "Query", `{"TableName":"events","IndexName":"`+index+`","KeyConditionExpression":"#u = :u","ExpressionAttributeNames":{"#u":"`+name+`"},"ExpressionAttributeValues":{":u":`+value+`}}`)
	var ids []string
	for _, it := range out["Items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(map[string]any)["S"].(string))
	}
	return ids
}

// storedIndexes lists the table's index definitions and entry counts as
// stored, "name=count".
func storedIndexes(t testing.TB, db *store.DB, s *Service, table string) []string {
	t.Helper()
	s.mu.RLock()
	tb := s.tables[table]
	s.mu.RUnlock()
	var got []string
	err := db.View(func(tx *store.Tx) error {
		defs := tx.Bucket(indexDefsBucket).Bucket([]byte(tb.id))
		if defs == nil {
			return nil
		}
		return defs.ForEach(func(name, _ []byte) error {
			eb := tx.Bucket(entriesBucketName(tb.id, name))
			if eb == nil {
				return fmt.Errorf("index %s has a definition and no entries", name)
			}
			n := 0
			eb.ForEach(func(_, _ []byte) error { n++; return nil })
			got = append(got, string(name)+"="+strconv.Itoa(n))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

func putEvents(t testing.TB, s *Service, n int) {
	t.Helper()
	for i := range n {
		item := `{"id":{"S":"e` + strconv.Itoa(i) + `"},"at":{"N":"` + strconv.Itoa(100-i) + `"}`
		switch i % 4 {
		case 0, 1:
			item += `,"user":{"S":"u` + strconv.Itoa(i%2) + `"}`
		case 2:
			item += `,"rank":{"N":"7"}`
		case 3:
			item += `,"rank":{"S":"7"}` // of another type than by-rank's key, once it exists: no entry
		}
		op(t, s, "PutItem", `{"TableName":"events","Item":`+item+`}}`)
	}
}

// A store written before indexes were materialised has tables with
// indexes and no entries; opening it builds them.
func TestIndexesBuiltWhenMissing(t *testing.T) {
	dir := t.TempDir()
	db := openDurable(t, dir)
	// The events' "at" (89 to 100) is their TTL, on a clock at 50 s after
	// the epoch: nothing expires while the test runs.
	early := func() time.Time { return time.Unix(50, 0) }
	s := newIndexServiceAt(t, db, early)
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"at"}}`)
	putEvents(t, s, 12)
	want := queryIDs(t, s, "by-user", "u1")
	if len(want) != 3 {
		t.Fatalf("u1 has %v, want 3 events", want)
	}
	s.Close()
	s.mu.RLock()
	id := s.tables["events"].id
	s.mu.RUnlock()
	err := db.Update(func(tx *store.Tx) error {
		for _, b := range [][]byte{indexDefsBucket, entriesBucketName(id, []byte("by-user")), entriesBucketName(id, []byte(expiryIndex))} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDurable(t, dir)
	defer db.Close()
	s = newService(t, db, early)
	defer s.Close()
	if got := queryIDs(t, s, "by-user", "u1"); !slices.Equal(got, want) {
		t.Fatalf("after rebuilding, u1 has %v, want %v", got, want)
	}
	// The 6 events with a user, the 12 with a TTL ("at").
	if got, want := storedIndexes(t, db, s, "events"), []string{expiryIndex + "=12", "by-user=6"}; !slices.Equal(got, want) {
		t.Fatalf("stored indexes %v, want %v", got, want)
	}
}

func newIndexService(t testing.TB, db *store.DB) *Service {
	return newIndexServiceAt(t, db, time.Now)
}

// newIndexServiceAt is newIndexService with the clock now.
func newIndexServiceAt(t testing.TB, db *store.DB, now func() time.Time) *Service {
	t.Helper()
	s := newService(t, db, now)
	t.Cleanup(func() { s.Close() })
	op(t, s, "CreateTable", eventsTable)
	waitStatus(t, s, "events", "ACTIVE")
	return s
}

// newService is the service on db with the clock now, without tables of
// its own; the caller closes it.
func newService(t testing.TB, db *store.DB, now func() time.Time) *Service {
	t.Helper()
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: -1, UpdateDelay: -1, DeleteDelay: -1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openDurable opens a durable store in dir; the caller closes it.
func openDurable(t testing.TB, dir string) *store.DB {
	t.Helper()
	db, err := store.Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// memoryIndexService is newIndexService on an in-memory store of its own.
func memoryIndexService(t testing.TB) (*Service, *store.DB) {
	t.Helper()
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newIndexService(t, db), db
}

func waitStatus(t testing.TB, s *Service, table, status string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.mu.RLock()
		m := s.tables[table].meta
		s.mu.RUnlock()
		settled := m.TableStatus == status
		for _, g := range m.GSIs {
			settled = settled && g.IndexStatus == "ACTIVE"
		}
		if settled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s is %s, want %s", table, m.TableStatus, status)
		}
		time.Sleep(time.Millisecond) // polling interval
	}
}

// An index added to a table with items holds them all once it is ACTIVE;
// one deleted leaves nothing behind, nor does the table.
func TestIndexAddedAndDropped(t *testing.T) {
	s, db := memoryIndexService(t)
	putEvents(t, s, 12)
	op(t, s, "UpdateTable", `{"TableName":"events","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"user","AttributeType":"S"},{"AttributeName":"at","AttributeType":"N"},{"AttributeName":"rank","AttributeType":"N"}],`+
		`"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by-rank","KeySchema":[{"AttributeName":"rank","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}}]}`)
	waitStatus(t, s, "events", "ACTIVE") // a CREATING index refuses reads, as AWS's does while it backfills
	// Ties in the index's keys come in the table's key order (by bytes
	// for a string: e10 before e2).
	if got, want := queryIDsBy(t, s, "by-rank", "rank", `{"N":"7"}`), []string{"e10", "e2", "e6"}; !slices.Equal(got, want) {
		t.Fatalf("the new index has %v for rank 7, want %v", got, want)
	}
	if got, want := storedIndexes(t, db, s, "events"), []string{"by-rank=3", "by-user=6"}; !slices.Equal(got, want) {
		t.Fatalf("stored indexes %v, want %v", got, want)
	}
	op(t, s, "UpdateTable", `{"TableName":"events","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"by-user"}}]}`)
	waitStatus(t, s, "events", "ACTIVE")
	if got, want := storedIndexes(t, db, s, "events"), []string{"by-rank=3"}; !slices.Equal(got, want) {
		t.Fatalf("after the delete, stored indexes %v, want %v", got, want)
	}
	s.mu.RLock()
	id := s.tables["events"].id
	s.mu.RUnlock()
	op(t, s, "DeleteTable", `{"TableName":"events"}`)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) { // polling interval
		s.mu.RLock()
		_, exists := s.tables["events"]
		s.mu.RUnlock()
		if !exists {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the table was not dropped")
		}
	}
	db.View(func(tx *store.Tx) error {
		if tx.Bucket(indexDefsBucket).Bucket([]byte(id)) != nil {
			t.Error("the dropped table's index definitions are still stored")
		}
		for _, name := range []string{"by-user", "by-rank"} {
			if tx.Bucket(entriesBucketName(id, []byte(name))) != nil {
				t.Errorf("the entries of the dropped table's index %s are still stored", name)
			}
		}
		return nil
	})
}

// Expired items leave their indexes with the items.
func TestExpiredItemsLeaveIndexes(t *testing.T) {
	s, db := memoryIndexService(t)
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}`)
	past := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	for i := range 6 {
		ttl := ""
		if i%2 == 0 {
			ttl = `,"expires":{"N":"` + past + `"}`
		}
		op(t, s, "PutItem", `{"TableName":"events","Item":{"id":{"S":"e`+strconv.Itoa(i)+`"},"user":{"S":"u"},"at":{"N":"`+strconv.Itoa(i)+`"}`+ttl+`}}`)
	}
	s.sweepExpired()
	if got, want := queryIDs(t, s, "by-user", "u"), []string{"e1", "e3", "e5"}; !slices.Equal(got, want) {
		t.Fatalf("after the sweep the index has %v, want %v", got, want)
	}
	if got, want := storedIndexes(t, db, s, "events"), []string{expiryIndex + "=0", "by-user=3"}; !slices.Equal(got, want) {
		t.Fatalf("stored indexes %v, want %v", got, want)
	}
}

// The sweeper reads the expiry list, which follows every change of an
// item's TTL and of the table's TTL setting.
func TestExpiryListFollowsWrites(t *testing.T) {
	s, db := memoryIndexService(t)
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}`)
	now := time.Now()
	past := strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)
	future := strconv.FormatInt(now.Add(time.Hour).Unix(), 10)
	put := func(id, extra string) {
		op(t, s, "PutItem", `{"TableName":"events","Item":{"id":{"S":"`+id+`"}`+extra+`}}`)
	}
	update := func(id, expr, values string) {
		op(t, s, "UpdateItem", `{"TableName":"events","Key":{"id":{"S":"`+id+`"}},"UpdateExpression":"`+expr+`"`+values+`}`)
	}
	put("past", `,"expires":{"N":"`+past+`.5"}`)
	put("future", `,"expires":{"N":"`+future+`"}`)
	put("text", `,"expires":{"S":"`+past+`"}`) // not a number: never expires
	put("none", ``)
	put("moved-back", `,"expires":{"N":"`+future+`"}`)
	update("moved-back", "SET expires = :t", `,"ExpressionAttributeValues":{":t":{"N":"`+past+`"}}`)
	put("removed", `,"expires":{"N":"`+past+`"}`)
	update("removed", "REMOVE expires", "")
	put("moved-on", `,"expires":{"N":"`+past+`"}`)
	update("moved-on", "SET expires = :t", `,"ExpressionAttributeValues":{":t":{"N":"`+future+`"}}`)
	s.sweepExpired()
	if got, want := scanIDs(t, s), []string{"future", "moved-on", "none", "removed", "text"}; !slices.Equal(got, want) {
		t.Fatalf("after the sweep the table holds %v, want %v", got, want)
	}
	if got, want := storedIndexes(t, db, s, "events"), []string{expiryIndex + "=2", "by-user=0"}; !slices.Equal(got, want) {
		t.Fatalf("stored indexes %v, want %v", got, want)
	}

	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":false,"AttributeName":"expires"}}`)
	if got, want := storedIndexes(t, db, s, "events"), []string{"by-user=0"}; !slices.Equal(got, want) {
		t.Fatalf("with TTL disabled, stored indexes %v, want %v", got, want)
	}
	put("later", `,"expires":{"N":"`+past+`"},"ttl2":{"N":"`+past+`"}`)
	put("kept", `,"ttl2":{"N":"`+future+`"}`)
	s.sweepExpired()
	// Enabled on another attribute, the list is built from the items
	// written while TTL was off: "later" expires, "kept" stays listed.
	// (The background sweeper may get there first; the end is the same.)
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"ttl2"}}`)
	s.sweepExpired()
	if got, want := scanIDs(t, s), []string{"future", "kept", "moved-on", "none", "removed", "text"}; !slices.Equal(got, want) {
		t.Fatalf("after the last sweep the table holds %v, want %v", got, want)
	}
	if got, want := storedIndexes(t, db, s, "events"), []string{expiryIndex + "=1", "by-user=0"}; !slices.Equal(got, want) {
		t.Fatalf("with TTL on ttl2, stored indexes %v, want %v", got, want)
	}
}

// scanIDs is the ids of the events table's items, sorted.
func scanIDs(t testing.TB, s *Service) []string {
	t.Helper()
	out := op(t, s, "Scan", `{"TableName":"events"}`)
	var ids []string
	for _, it := range out["Items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(map[string]any)["S"].(string))
	}
	slices.Sort(ids)
	return ids
}

// Entry keys sort as the tuples they encode, whatever bytes the values
// hold: a value that is a prefix of another, zero bytes, 0xff.
func TestEntryKeysSortAsTuples(t *testing.T) {
	d := indexKeys{Hash: keyDef{"h", attr.S}, Range: keyDef{"r", attr.B}, TableHash: keyDef{"id", attr.B}, TableRange: keyDef{"tr", attr.B}}
	vals := [][]byte{{0}, {0, 0}, {0, 1}, {0, 0xff}, {1}, {1, 0}, {0xff}, {0xff, 0}, {0xff, 0xff}} // binary keys are never empty
	bin := func(b []byte) attr.Value { return attr.Value{Kind: attr.B, Bin: b} }
	type tuple struct {
		parts [3][]byte
		key   []byte
	}
	var all []tuple
	for _, r := range vals {
		for _, id := range vals {
			for _, tr := range [][]byte{{0}, {1, 0}, {0xff}} {
				k := d.entryKey(attr.Item{"h": attr.StrValue("x"), "r": bin(r), "id": bin(id), "tr": bin(tr)})
				all = append(all, tuple{[3][]byte{r, id, tr}, k})
			}
		}
	}
	for _, a := range all {
		for _, b := range all {
			want := 0
			for i := range a.parts {
				if want = strings.Compare(string(a.parts[i]), string(b.parts[i])); want != 0 {
					break
				}
			}
			if got := strings.Compare(string(a.key), string(b.key)); got != want {
				t.Fatalf("%x against %x: entry keys compare %d, tuples %d", a.parts, b.parts, got, want)
			}
		}
		_, rest := entryPartition(a.key)
		if got := unescapeFirst(nil, rest); string(got) != string(a.parts[0]) {
			t.Fatalf("the sort key of %x decodes to %x", a.key, got)
		}
	}
}

// The expiry list gives a pass at most its bound of a table's expired
// items, the first to have expired first.
func TestExpiredKeysAreBoundedAndOrdered(t *testing.T) {
	// The service's clock stands a day back, so its own sweeper finds
	// nothing expired; the test asks the list as of now.
	now := time.Now()
	s := newIndexServiceAt(t, mustOpenMemory(t), func() time.Time { return now.Add(-24 * time.Hour) })
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}`)
	// Written out of order: e4 expired first, e0 last.
	for _, i := range []int{2, 0, 4, 1, 3} {
		ttl := strconv.FormatInt(now.Add(-time.Duration(i+1)*time.Minute).Unix(), 10)
		op(t, s, "PutItem", `{"TableName":"events","Item":{"id":{"S":"e`+strconv.Itoa(i)+`"},"expires":{"N":"`+ttl+`"}}}`)
	}
	op(t, s, "PutItem", `{"TableName":"events","Item":{"id":{"S":"live"},"expires":{"N":"`+strconv.FormatInt(now.Add(time.Hour).Unix(), 10)+`"}}}`)
	// Values more than five years past are not times to DynamoDB: never listed.
	for i, ttl := range []string{"0", "1", "-5", strconv.FormatInt(now.AddDate(-6, 0, 0).Unix(), 10)} {
		op(t, s, "PutItem", `{"TableName":"events","Item":{"id":{"S":"old`+strconv.Itoa(i)+`"},"expires":{"N":"`+ttl+`"}}}`)
	}
	s.mu.RLock()
	tb := s.tables["events"]
	s.mu.RUnlock()
	for _, c := range []struct {
		max  int
		want []string
	}{{2, []string{"e4", "e3"}}, {10, []string{"e4", "e3", "e2", "e1", "e0"}}} {
		var got []string
		s.env.DB.View(func(tx *store.Tx) error {
			keys, ok := expiredKeys(tx, tb, now.AddDate(-5, 0, 0).Unix(), now.Unix(), c.max)
			if !ok {
				t.Fatal("no expiry list")
			}
			for _, k := range keys {
				it, err := readItem(tx.Bucket(tb.bucket), k)
				if err != nil || it == nil {
					t.Fatalf("key %x: item %v, %v", k, it, err)
				}
				got = append(got, it["id"].Str)
			}
			return nil
		})
		if !slices.Equal(got, c.want) {
			t.Errorf("at most %d expired: %v, want %v", c.max, got, c.want)
		}
	}
}

func mustOpenMemory(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// indexFigures is DescribeTable's ItemCount and IndexSizeBytes of every
// index of table, "name=count/size", checked against what the stored
// items say: an item is in an index when it has the index's key
// attributes with their defined types, and counts with the size of its
// projection (indexEntry, which capacity is charged by).
func indexFigures(t testing.TB, s *Service, db *store.DB, table string) []string {
	t.Helper()
	s.mu.RLock()
	tb := s.tables[table]
	m := tb.meta
	s.mu.RUnlock()
	var items []attr.Item
	err := db.View(func(tx *store.Tx) error {
		return tx.Bucket(tb.bucket).ForEach(func(_, v []byte) error {
			it, err := attr.DecodeItem(v)
			items = append(items, it)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, list := range [][]indexMeta{m.GSIs, m.LSIs} {
		for i := range list {
			ix := &list[i]
			var count, size int
		items:
			for _, it := range items {
				for _, k := range ix.KeySchema {
					for _, d := range m.AttributeDefinitions {
						if d.AttributeName == k.AttributeName && it[k.AttributeName].Kind.String() != d.AttributeType {
							continue items
						}
					}
				}
				if e := indexEntry(&m, ix, it); e != nil {
					count++
					size += e.Size()
				}
			}
			want = append(want, fmt.Sprintf("%s=%d/%d", ix.IndexName, count, size))
		}
	}
	desc := op(t, s, "DescribeTable", `{"TableName":"`+table+`"}`)["Table"].(map[string]any)
	var got []string
	for _, key := range []string{"GlobalSecondaryIndexes", "LocalSecondaryIndexes"} {
		list, _ := desc[key].([]any)
		for _, x := range list {
			ix := x.(map[string]any)
			got = append(got, fmt.Sprintf("%s=%v/%v", ix["IndexName"], ix["ItemCount"], ix["IndexSizeBytes"]))
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("DescribeTable reports %v for the indexes, the items say %v", got, want)
	}
	return got
}

// An index reports the items it holds and their projected size, not the
// table's, through every kind of write, a failed transaction, an index
// added to a full table, expiry, and a restart.
func TestIndexFiguresFollowWrites(t *testing.T) {
	dir := t.TempDir()
	db := openDurable(t, dir)
	// Items' "at" is at most 100: on a clock at 50 s after the epoch
	// only the item given expires = 10 expires.
	early := func() time.Time { return time.Unix(50, 0) }
	s := newIndexServiceAt(t, db, early)
	putEvents(t, s, 12)
	if got, want := indexFigures(t, s, db, "events"), []string{"by-user=6/"}; !strings.HasPrefix(got[0], want[0]) {
		t.Fatalf("after 12 puts, 6 with a user: %v", got)
	}
	steps := []struct{ name, body string }{
		{"UpdateItem", `{"TableName":"events","Key":{"id":{"S":"e2"}},"UpdateExpression":"SET #u = :u","ExpressionAttributeNames":{"#u":"user"},"ExpressionAttributeValues":{":u":{"S":"u9"}}}`},
		{"UpdateItem", `{"TableName":"events","Key":{"id":{"S":"e0"}},"UpdateExpression":"REMOVE #u","ExpressionAttributeNames":{"#u":"user"}}`},
		{"UpdateItem", `{"TableName":"events","Key":{"id":{"S":"e1"}},"UpdateExpression":"SET note = :n","ExpressionAttributeValues":{":n":{"S":"a longer projected attribute"}}}`},
		{"DeleteItem", `{"TableName":"events","Key":{"id":{"S":"e4"}}}`},
		{"BatchWriteItem", `{"RequestItems":{"events":[{"PutRequest":{"Item":{"id":{"S":"b1"},"user":{"S":"u1"},"at":{"N":"1"}}}},{"DeleteRequest":{"Key":{"id":{"S":"e5"}}}}]}}`},
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"TableName":"events","Item":{"id":{"S":"t1"},"user":{"S":"u1"},"at":{"N":"2"}}}},{"Delete":{"TableName":"events","Key":{"id":{"S":"e8"}}}}]}`},
		{"PutItem", `{"TableName":"events","Item":{"id":{"S":"x"},"user":{"S":"u1"},"at":{"N":"3"},"expires":{"N":"10"}}}`},
	}
	for _, step := range steps {
		op(t, s, step.name, step.body)
		indexFigures(t, s, db, "events")
	}
	// A transaction whose condition fails changes nothing.
	before := indexFigures(t, s, db, "events")
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "TransactWriteItems", []byte(`{"TransactItems":[`+
		`{"Put":{"TableName":"events","Item":{"id":{"S":"t2"},"user":{"S":"u1"},"at":{"N":"4"}}}},`+
		`{"Delete":{"TableName":"events","Key":{"id":{"S":"e9"}},"ConditionExpression":"attribute_not_exists(id)"}}]}`))
	if w.Code != 400 || !strings.Contains(w.Body.String(), "TransactionCanceledException") {
		t.Fatalf("a transaction with a failing condition: %d %s", w.Code, w.Body)
	}
	if after := indexFigures(t, s, db, "events"); !slices.Equal(after, before) {
		t.Fatalf("a cancelled transaction changed the figures from %v to %v", before, after)
	}
	// An index added to a table with items, projecting keys only.
	op(t, s, "UpdateTable", `{"TableName":"events","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"user","AttributeType":"S"},{"AttributeName":"at","AttributeType":"N"},{"AttributeName":"rank","AttributeType":"N"}],`+
		`"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by-rank","KeySchema":[{"AttributeName":"rank","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}}]}`)
	waitStatus(t, s, "events", "ACTIVE")
	indexFigures(t, s, db, "events")
	op(t, s, "UpdateItem", `{"TableName":"events","Key":{"id":{"S":"e6"}},"UpdateExpression":"SET payload = :p","ExpressionAttributeValues":{":p":{"S":"not projected into by-rank"}}}`)
	indexFigures(t, s, db, "events")
	// Expiry.
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}`)
	s.sweepExpired()
	if got := scanIDs(t, s); slices.Contains(got, "x") {
		t.Fatalf("x did not expire: %v", got)
	}
	want := indexFigures(t, s, db, "events")
	s.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened, the figures are counted from the entries.
	db = openDurable(t, dir)
	defer db.Close()
	s = newService(t, db, early)
	defer s.Close()
	if got := indexFigures(t, s, db, "events"); !slices.Equal(got, want) {
		t.Fatalf("after a restart the indexes report %v, before it %v", got, want)
	}
	t.Logf("figures: %v", want)
}

// A TTL more than five years in the past is not a time to DynamoDB (0, a
// small counter, a negative number): its item is never deleted; one an
// hour past is.
func TestTTLMoreThanFiveYearsPastIsNotATime(t *testing.T) {
	s, _ := memoryIndexService(t)
	op(t, s, "UpdateTimeToLive", `{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}`)
	now := time.Now()
	for id, ttl := range map[string]string{
		"zero": "0", "one": "1", "negative": "-5",
		"six-years":  strconv.FormatInt(now.AddDate(-6, 0, 0).Unix(), 10),
		"four-years": strconv.FormatInt(now.AddDate(-4, 0, 0).Unix(), 10),
		"an-hour":    strconv.FormatInt(now.Add(-time.Hour).Unix(), 10),
	} {
		op(t, s, "PutItem", `{"TableName":"events","Item":{"id":{"S":"`+id+`"},"expires":{"N":"`+ttl+`"}}}`)
	}
	s.sweepExpired()
	got := scanIDs(t, s)
	slices.Sort(got)
	if want := []string{"negative", "one", "six-years", "zero"}; !slices.Equal(got, want) {
		t.Fatalf("after the sweep the table holds %v, want %v", got, want)
	}
}

// TestLegacyEntriesOfUnholdableKeysGo: an spk from before the index key
// limits indexed keys an index cannot hold (here one of 3000 bytes). The
// first open by this spk, of a directory without a format record, drops
// those entries, so the index's count is right and paging through it ends.
func TestLegacyEntriesOfUnholdableKeysGo(t *testing.T) {
	dir := t.TempDir()
	db := openDurable(t, dir)
	s := newService(t, db, time.Now)
	op(t, s, "CreateTable", `{"TableName":"legacy","BillingMode":"PAY_PER_REQUEST","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}`)
	waitStatus(t, s, "legacy", "ACTIVE")
	op(t, s, "PutItem", `{"TableName":"legacy","Item":{"pk":{"S":"a"},"g":{"S":"x"}}}`)
	op(t, s, "PutItem", `{"TableName":"legacy","Item":{"pk":{"S":"b"},"g":{"S":"`+strings.Repeat("g", 3000)+`"}}}`)
	op(t, s, "UpdateTable", `{"TableName":"legacy","AttributeDefinitions":[{"AttributeName":"g","AttributeType":"S"}],"GlobalSecondaryIndexUpdates":[{"Create":{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}}]}`)
	waitStatus(t, s, "legacy", "ACTIVE")
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		d := op(t, s, "DescribeTable", `{"TableName":"legacy"}`)
		if d["Table"].(map[string]any)["GlobalSecondaryIndexes"].([]any)[0].(map[string]any)["IndexStatus"] == "ACTIVE" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the index did not become ACTIVE")
		}
	}
	s.mu.RLock()
	tbl := s.tables["legacy"]
	s.mu.RUnlock()
	s.Close()
	// What the older spk left: an entry for b's 3000-byte key, and no
	// format record.
	if err := db.Update(func(tx *store.Tx) error {
		td := tx.Bucket(indexDefsBucket).Bucket([]byte(tbl.id))
		d, err := decodeIndexKeys(td.Get([]byte("by-g")))
		if err != nil {
			return err
		}
		items := tx.Bucket(tbl.bucket)
		var key []byte
		var it attr.Item
		items.ForEach(func(k, _ []byte) error {
			if i, _ := readItem(items, k); i["pk"].Str == "b" {
				key, it = bytes.Clone(k), i
			}
			return nil
		})
		if err := tx.Bucket(entriesBucketName(tbl.id, []byte("by-g"))).Put(d.heldEntryKey(it), key); err != nil {
			return err
		}
		return tx.DeleteBucket([]byte("\x00spk"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDurable(t, dir)
	defer db.Close()
	s = newService(t, db, time.Now)
	defer s.Close()
	var got []string
	var start string
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatalf("paging the index does not end: %v", got)
		}
		out := op(t, s, "Scan", `{"TableName":"legacy","IndexName":"by-g","Limit":1`+start+`}`)
		for _, it := range out["Items"].([]any) {
			got = append(got, it.(map[string]any)["pk"].(map[string]any)["S"].(string))
		}
		lek, ok := out["LastEvaluatedKey"]
		if !ok {
			break
		}
		b, _ := json.Marshal(lek)
		start = `,"ExclusiveStartKey":` + string(b)
	}
	d := op(t, s, "DescribeTable", `{"TableName":"legacy"}`)
	count := d["Table"].(map[string]any)["GlobalSecondaryIndexes"].([]any)[0].(map[string]any)["ItemCount"]
	if !slices.Equal(got, []string{"a"}) || count != float64(1) {
		t.Fatalf("the index holds %v and counts %v; want [a] and 1", got, count)
	}
}
