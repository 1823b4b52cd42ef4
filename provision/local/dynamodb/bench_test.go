package dynamodb

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

// benchService is a service on an in-memory store with the tutorial's
// table, for measuring the cost of an operation without HTTP or fsync.
func benchService(b *testing.B) *Service { return benchServiceOn(b, "", "") }

// benchServiceOn is benchService on a durable store in dir ("" for memory),
// its table created with the extra CreateTable members given (such as a
// StreamSpecification).
func benchServiceOn(b *testing.B, dir, extra string) *Service {
	return benchServiceWith(b, dir, "counts", `{"TableName":"counts","BillingMode":"PAY_PER_REQUEST",`+extra+
		`"AttributeDefinitions":[{"AttributeName":"BucketStart","AttributeType":"S"},{"AttributeName":"EventType","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"BucketStart","KeyType":"HASH"},{"AttributeName":"EventType","KeyType":"RANGE"}]}`)
}

// benchServiceWith is a service on a store in dir ("" for memory) with the
// table that the CreateTable body create makes, ACTIVE.
func benchServiceWith(b testing.TB, dir, name, create string) *Service {
	s, db := openService(b, dir)
	b.Cleanup(func() { s.Close(); db.Close() })
	createActive(b, s, name, create)
	return s
}

// createActive creates the table name with the CreateTable body create and
// waits until it is ACTIVE.
func createActive(b testing.TB, s *Service, name, create string) {
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "CreateTable", []byte(create))
	if w.Code != 200 {
		b.Fatalf("CreateTable: %d %s", w.Code, w.Body)
	}
	for {
		s.mu.RLock()
		st := s.tables[name].meta.TableStatus
		s.mu.RUnlock()
		if st == "ACTIVE" {
			return
		}
		time.Sleep(time.Millisecond) // polling interval
	}
}

// BenchmarkQueryIndex measures a Query of one index partition (10 items)
// in tables of growing size: the cost should not grow with the table.
func BenchmarkQueryIndex(b *testing.B) {
	for _, n := range []int{1000, 10000, 50000} {
		b.Run(strconv.Itoa(n)+"-items", func(b *testing.B) {
			s := benchServiceWith(b, "", "events", `{"TableName":"events","BillingMode":"PAY_PER_REQUEST",`+
				`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"},{"AttributeName":"user","AttributeType":"S"},{"AttributeName":"at","AttributeType":"N"}],`+
				`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],`+
				`"GlobalSecondaryIndexes":[{"IndexName":"by-user","KeySchema":[{"AttributeName":"user","KeyType":"HASH"},{"AttributeName":"at","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}`)
			putItems(b, s, "events", n, func(i int) string {
				return `{"id":{"S":"e` + strconv.Itoa(i) + `"},"user":{"S":"u` + strconv.Itoa(i%(n/10)) + `"},"at":{"N":"` + strconv.Itoa(i) + `"},"detail":{"S":"some event detail text"}}`
			})
			body := []byte(`{"TableName":"events","IndexName":"by-user","KeyConditionExpression":"#u = :u","ExpressionAttributeNames":{"#u":"user"},"ExpressionAttributeValues":{":u":{"S":"u7"}}}`)
			benchQueryOfTen(b, s, body)
		})
	}
}

func BenchmarkUpdateItemAdd(b *testing.B) { benchUpdateItemAdd(b, benchService(b)) }

// BenchmarkUpdateItemAddDurable measures durable writes to a table without
// and with a DynamoDB stream: the stream's cost is the difference.
func BenchmarkUpdateItemAddDurable(b *testing.B) {
	for _, c := range []struct{ name, extra string }{
		{"plain", ""},
		{"stream", `"StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"},`},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetParallelism(4) // several writers, so commits are grouped as under load
			benchUpdateItemAdd(b, benchServiceOn(b, b.TempDir(), c.extra))
		})
	}
}

func benchUpdateItemAdd(b *testing.B, s *Service) {
	bodies := make([][]byte, 60)
	for i := range bodies {
		bodies[i] = []byte(`{"TableName":"counts","Key":{"BucketStart":{"S":"2026-01-01T10:05"},"EventType":{"S":"type-` + strconv.Itoa(i) + `"}},` +
			`"UpdateExpression":"ADD #c :one","ExpressionAttributeNames":{"#c":"count"},"ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"UPDATED_NEW"}`)
	}
	req := httptest.NewRequest("POST", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeOp(w, req, "UpdateItem", bodies[i%len(bodies)])
			if w.Code != 200 {
				b.Fatalf("%d %s", w.Code, w.Body)
			}
			i++
		}
	})
}

func BenchmarkQuery100(b *testing.B) {
	s := benchService(b)
	req := httptest.NewRequest("POST", "/", nil)
	for i := 0; i < 100; i++ {
		w := httptest.NewRecorder()
		s.ServeOp(w, req, "PutItem", []byte(`{"TableName":"counts","Item":{"BucketStart":{"S":"q"},"EventType":{"S":"e`+strconv.Itoa(i)+`"},"count":{"N":"1"},"detail":{"S":"some event detail text"}}}`))
	}
	body := []byte(`{"TableName":"counts","KeyConditionExpression":"BucketStart = :b","ExpressionAttributeValues":{":b":{"S":"q"}}}`)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		s.ServeOp(w, req, "Query", body)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkPutItemIndexed measures what maintaining a global secondary
// index adds to a write: the same PutItem into a table without and with one.
func BenchmarkPutItemIndexed(b *testing.B) {
	for _, c := range []struct {
		name, defs, gsi string
		ttl             bool
	}{
		{"no-index", "", "", false},
		{"one-gsi", `,{"AttributeName":"user","AttributeType":"S"},{"AttributeName":"at","AttributeType":"N"}`,
			`,"GlobalSecondaryIndexes":[{"IndexName":"by-user","KeySchema":[{"AttributeName":"user","KeyType":"HASH"},{"AttributeName":"at","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]`, false},
		{"ttl-on-at", "", "", true}, // the expiry list: "at" is the TTL
	} {
		b.Run(c.name, func(b *testing.B) {
			s := benchServiceWith(b, "", "events", `{"TableName":"events","BillingMode":"PAY_PER_REQUEST",`+
				`"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}`+c.defs+`],`+
				`"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}]`+c.gsi+`}`)
			if c.ttl {
				w := httptest.NewRecorder()
				s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "UpdateTimeToLive", []byte(`{"TableName":"events","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"at"}}`))
				if w.Code != 200 {
					b.Fatalf("UpdateTimeToLive: %d %s", w.Code, w.Body)
				}
			}
			req := httptest.NewRequest("POST", "/", nil)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				// Each item moves between users, so its entry moves too.
				body := `{"TableName":"events","Item":{"id":{"S":"e` + strconv.Itoa(i%1000) + `"},"user":{"S":"u` + strconv.Itoa(i%7) + `"},"at":{"N":"` + strconv.Itoa(4e9+i) + `"}}}`
				w := httptest.NewRecorder()
				s.ServeOp(w, req, "PutItem", []byte(body))
				if w.Code != 200 {
					b.Fatalf("PutItem: %d %s", w.Code, w.Body)
				}
				i++
			}
		})
	}
}

// BenchmarkQueryNewestFirst measures descending Queries of ten items from a
// partition of 50 000, at either end of it: "newest since t" (sk > t, the
// last ten) and "newest before t" (sk < t, the first ten). The cost should
// not depend on how many items lie outside the condition.
func BenchmarkQueryNewestFirst(b *testing.B) {
	s := benchServiceOn(b, "", "")
	const n = 50000
	putItems(b, s, "counts", n, func(i int) string {
		return fmt.Sprintf(`{"BucketStart":{"S":"p"},"EventType":{"S":"t%06d"},"count":{"N":"1"}}`, i)
	})
	for _, c := range []struct{ name, cond, value string }{
		{"since", "#t > :t", fmt.Sprintf("t%06d", n-11)},
		{"before", "#t < :t", "t000010"},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(`{"TableName":"counts","ScanIndexForward":false,"KeyConditionExpression":"BucketStart = :p AND ` + c.cond + `",` +
				`"ExpressionAttributeNames":{"#t":"EventType"},"ExpressionAttributeValues":{":p":{"S":"p"},":t":{"S":"` + c.value + `"}}}`)
			benchQueryOfTen(b, s, body)
		})
	}
}

// BenchmarkSweepExpired measures one pass of the TTL sweeper over a table
// of 50 000 items that all carry a TTL in the future: the sweeper runs every
// second, so this is what a TTL table costs while nothing expires.
func BenchmarkSweepExpired(b *testing.B) {
	s := benchServiceOn(b, "", "")
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "UpdateTimeToLive", []byte(`{"TableName":"counts","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}}`))
	if w.Code != 200 {
		b.Fatalf("UpdateTimeToLive: %d %s", w.Code, w.Body)
	}
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	putItems(b, s, "counts", 50000, func(i int) string {
		return fmt.Sprintf(`{"BucketStart":{"S":"p%d"},"EventType":{"S":"t%06d"},"count":{"N":"1"},"expires":{"N":"%s"}}`, i%100, i, future)
	})
	b.ReportAllocs()
	for b.Loop() {
		s.sweepExpired()
	}
	s.mu.RLock()
	n := s.tables["counts"].itemCount.Load()
	s.mu.RUnlock()
	if n != 50000 {
		b.Fatalf("%d items left, want 50000", n)
	}
}

// BenchmarkReopen measures what opening a durable data directory of
// 100 000 items costs before the first request: the store's recovery and
// the service's load (which counts and sizes every item).
func BenchmarkReopen(b *testing.B) {
	for _, c := range []struct{ name, defs, gsi string }{
		{"no-index", "", ""},
		// Opening counts each index's items and their size from its entries.
		{"one-gsi", `,{"AttributeName":"g","AttributeType":"S"}`,
			`,"GlobalSecondaryIndexes":[{"IndexName":"by-g","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]`},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			s, db := openService(b, dir)
			createActive(b, s, "counts", `{"TableName":"counts","BillingMode":"PAY_PER_REQUEST",`+
				`"AttributeDefinitions":[{"AttributeName":"BucketStart","AttributeType":"S"},{"AttributeName":"EventType","AttributeType":"S"}`+c.defs+`],`+
				`"KeySchema":[{"AttributeName":"BucketStart","KeyType":"HASH"},{"AttributeName":"EventType","KeyType":"RANGE"}]`+c.gsi+`}`)
			putItems(b, s, "counts", 100000, func(i int) string {
				return fmt.Sprintf(`{"BucketStart":{"S":"p%d"},"EventType":{"S":"t%06d"},"g":{"S":"g%d"},"count":{"N":"1"},"detail":{"S":"some event detail text"}}`, i%100, i, i%10)
			})
			s.Close()
			db.Close()
			b.ReportAllocs()
			for b.Loop() {
				s, db := openService(b, dir)
				if n := s.tables["counts"].itemCount.Load(); n != 100000 {
					b.Fatalf("%d items, want 100000", n)
				}
				s.Close()
				db.Close()
			}
		})
	}
}

// putItems writes n items, item(i) each, to table with BatchWriteItem, 25 a
// request.
func putItems(b testing.TB, s *Service, table string, n int, item func(i int) string) {
	b.Helper()
	var batch []string
	flush := func() {
		w := httptest.NewRecorder()
		s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "BatchWriteItem", []byte(`{"RequestItems":{"`+table+`":[`+strings.Join(batch, ",")+`]}}`))
		if w.Code != 200 || strings.Contains(w.Body.String(), `"UnprocessedItems":{"`) {
			b.Fatalf("BatchWriteItem: %d %s", w.Code, w.Body)
		}
		batch = batch[:0]
	}
	for i := range n {
		batch = append(batch, `{"PutRequest":{"Item":`+item(i)+`}}`)
		if len(batch) == 25 {
			flush()
		}
	}
	if len(batch) > 0 {
		flush()
	}
}

// openService opens a store in dir ("" for memory) and the service on it,
// with no create, update or delete delay; the caller closes both.
func openService(b testing.TB, dir string) (*Service, *store.DB) {
	b.Helper()
	db, err := store.Open(dir, dir == "")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: -1, UpdateDelay: -1, DeleteDelay: -1, Now: time.Now})
	if err != nil {
		db.Close()
		b.Fatal(err)
	}
	return s, db
}

// benchQueryOfTen measures the Query body, which must answer ten items.
func benchQueryOfTen(b *testing.B, s *Service, body []byte) {
	req := httptest.NewRequest("POST", "/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeOp(w, req, "Query", body)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"Count":10,`) {
			b.Fatalf("Query: %d %s", w.Code, w.Body)
		}
	}
}
