package dynamodb

import (
	"net/http/httptest"
	"strconv"
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
	db, err := store.Open(dir, dir == "")
	if err != nil {
		b.Fatal(err)
	}
	s, err := New(&service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", CreateDelay: -1, UpdateDelay: -1, DeleteDelay: -1, Now: time.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close(); db.Close() })
	w := httptest.NewRecorder()
	s.ServeOp(w, httptest.NewRequest("POST", "/", nil), "CreateTable", []byte(`{"TableName":"counts","BillingMode":"PAY_PER_REQUEST",`+extra+
		`"AttributeDefinitions":[{"AttributeName":"BucketStart","AttributeType":"S"},{"AttributeName":"EventType","AttributeType":"S"}],`+
		`"KeySchema":[{"AttributeName":"BucketStart","KeyType":"HASH"},{"AttributeName":"EventType","KeyType":"RANGE"}]}`))
	for {
		s.mu.RLock()
		st := s.tables["counts"].meta.TableStatus
		s.mu.RUnlock()
		if st == "ACTIVE" {
			return s
		}
		time.Sleep(time.Millisecond) // polling interval
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
