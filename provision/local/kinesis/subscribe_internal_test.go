package kinesis

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/fxamacker/cbor/v2"

	"github.com/spk-cli/spk/provision/local/service"
	"github.com/spk-cli/spk/provision/local/store"
)

const eventsARN = "arn:aws:kinesis:us-east-1:000000000000:stream/events"

// efoService is newTestService with an ACTIVE consumer "reader" and an
// HTTP server answering SubscribeToShard.
func efoService(t *testing.T) (*Service, *httptest.Server, string) {
	t.Helper()
	s := newTestService(t, nil)
	var reg struct{ Consumer consumerOut }
	s.mustCall(t, "RegisterStreamConsumer", `{"StreamARN":"`+eventsARN+`","ConsumerName":"reader"}`, &reg)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.ServeOp(w, r, "SubscribeToShard", body)
	}))
	t.Cleanup(srv.Close)
	return s, srv, reg.Consumer.ConsumerARN
}

func openSubscription(t *testing.T, ctx context.Context, url, contentType string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("subscribe: %d %s", resp.StatusCode, b)
	}
	return resp
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval
	}
}

func TestSubscriptionEndsWhenTheClientGoes(t *testing.T) {
	s, srv, arn := efoService(t)
	ctx, cancel := context.WithCancel(context.Background())
	resp := openSubscription(t, ctx, srv.URL, contentJSON, []byte(`{"ConsumerARN":"`+arn+`","ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}}`))
	dec := eventstream.NewDecoder()
	for i := 0; i < 2; i++ {
		if _, err := dec.Decode(resp.Body, nil); err != nil {
			t.Fatal(err)
		}
	}
	if s.subs.watching.Load() != 1 {
		t.Fatalf("%d subscriptions served, want 1", s.subs.watching.Load())
	}
	cancel()
	waitFor(t, "the subscription to end after the client left", func() bool { return s.subs.watching.Load() == 0 })
}

// TestSubscriptionReadRate: with EnforceLimits, a consumer reads a shard
// at 2 MiB/s.
func TestSubscriptionReadRate(t *testing.T) {
	s, srv, arn := efoService(t)
	big := b64(strings.Repeat("x", maxRecordBytes-1)) // the key is the last byte
	for i := 0; i < 6; i++ {
		s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+big+`"}`, nil)
	}
	s.env.EnforceLimits = true
	began := time.Now()
	resp := openSubscription(t, context.Background(), srv.URL, contentJSON, []byte(`{"ConsumerARN":"`+arn+`","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`))
	dec := eventstream.NewDecoder()
	got := 0
	for got < 6 {
		msg, err := dec.Decode(resp.Body, nil)
		if err != nil {
			t.Fatal(err)
		}
		if msg.Headers.Get(":event-type").String() != "SubscribeToShardEvent" {
			continue
		}
		var ev struct{ Records []json.RawMessage }
		decodeJSON(t, msg.Payload, &ev)
		got += len(ev.Records)
	}
	// 2 MiB at once, then 4 MiB at 2 MiB/s: never faster than the limit.
	// (How much slower depends on the machine; no upper bound is asserted.)
	if took := time.Since(began); took < 1500*time.Millisecond {
		t.Fatalf("6 MiB read in %v, faster than 2 MiB/s allows", took)
	}
}

// TestSubscriptionCBOR: a CBOR request gets CBOR event payloads.
func TestSubscriptionCBOR(t *testing.T) {
	s, srv, arn := efoService(t)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"aGk="}`, nil)
	body, _ := cbor.Marshal(map[string]any{"ConsumerARN": arn, "ShardId": "shardId-000000000000", "StartingPosition": map[string]any{"Type": "TRIM_HORIZON"}})
	resp := openSubscription(t, context.Background(), srv.URL, contentCBOR, body)
	dec := eventstream.NewDecoder()
	msg, err := dec.Decode(resp.Body, nil)
	if err != nil || msg.Headers.Get(":content-type").String() != contentCBOR {
		t.Fatalf("initial response: %v %v", err, msg.Headers)
	}
	msg, err = dec.Decode(resp.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Records []struct {
			Data                        []byte
			ApproximateArrivalTimestamp int64
		}
	}
	if err := cbor.Unmarshal(msg.Payload, &ev); err != nil || len(ev.Records) != 1 || string(ev.Records[0].Data) != "hi" || ev.Records[0].ApproximateArrivalTimestamp < 1e12 {
		t.Fatalf("CBOR event: %v %+v", err, ev)
	}
}

// TestConsumerTagsAndLookupSurviveReload: a consumer, its tags included,
// is found by its ARN after the service restarts on the same store.
func TestConsumerTagsAndLookupSurviveReload(t *testing.T) {
	db, err := store.Open("", true)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := &service.Env{DB: db, Region: "us-east-1", AccountID: "000000000000", Now: time.Now, Log: slog.New(slog.DiscardHandler)}
	s, err := New(env)
	if err != nil {
		t.Fatal(err)
	}
	s.mustCall(t, "CreateStream", `{"StreamName":"events","ShardCount":1}`, nil)
	var reg struct{ Consumer consumerOut }
	s.mustCall(t, "RegisterStreamConsumer", `{"StreamARN":"`+eventsARN+`","ConsumerName":"reader","Tags":{"team":"data"}}`, &reg)
	s.Close()

	s, err = New(env)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, apiErr := s.consumerByARN(reg.Consumer.ConsumerARN)
	if apiErr != nil {
		t.Fatal(apiErr)
	}
	if c.meta.Tags["team"] != "data" || c.meta.Status != statusActive || s.consumerARN(&c.meta) != reg.Consumer.ConsumerARN {
		t.Fatalf("after reload: %+v", c.meta)
	}
	if apiErr := s.updateConsumer(c, func(m *consumerMeta) *apiError { m.Tags["owner"] = "me"; return nil }); apiErr != nil {
		t.Fatal(apiErr)
	}
	if _, apiErr := s.consumerByARN(strings.TrimSuffix(reg.Consumer.ConsumerARN, "0") + "9"); apiErr == nil || apiErr.Type != "ResourceNotFoundException" {
		t.Fatalf("an ARN with another creation time: %v", apiErr)
	}
}

// TestSubscriptionEncryptedRecords: records put while the stream is
// encrypted carry EncryptionType KMS in events too, as in GetRecords.
func TestSubscriptionEncryptedRecords(t *testing.T) {
	s, srv, arn := efoService(t)
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"MQ=="}`, nil)
	s.mustCall(t, "StartStreamEncryption", `{"StreamName":"events","EncryptionType":"KMS","KeyId":"alias/aws/kinesis"}`, nil)
	waitFor(t, "the stream to be ACTIVE", func() bool {
		return strings.Contains(s.call("DescribeStreamSummary", `{"StreamName":"events"}`).Body.String(), `"ACTIVE"`)
	})
	s.mustCall(t, "PutRecord", `{"StreamName":"events","PartitionKey":"p","ExplicitHashKey":"0","Data":"Mg=="}`, nil)
	resp := openSubscription(t, context.Background(), srv.URL, contentJSON, []byte(`{"ConsumerARN":"`+arn+`","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`))
	dec := eventstream.NewDecoder()
	if _, err := dec.Decode(resp.Body, nil); err != nil {
		t.Fatal(err)
	}
	msg, err := dec.Decode(resp.Body, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Records []map[string]any }
	decodeJSON(t, msg.Payload, &ev)
	if len(ev.Records) != 2 || ev.Records[0]["EncryptionType"] != nil || ev.Records[1]["EncryptionType"] != "KMS" {
		t.Fatalf("event %s", msg.Payload)
	}
}
