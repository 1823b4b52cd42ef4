package kinesis_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	local "github.com/spk-cli/spk/provision/local"
	spkkinesis "github.com/spk-cli/spk/provision/local/kinesis"
	"github.com/spk-cli/spk/provision/sdkhttp"
)

// protoClient is an HTTP client speaking HTTP/1.1 or, with h2, only
// cleartext HTTP/2 with prior knowledge; it remembers the protocol of the
// last response.
type protoClient struct {
	c     *http.Client
	mu    sync.Mutex
	proto string
}

func newProtoClient(h2 bool) *protoClient {
	tr := &http.Transport{}
	if h2 {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	return &protoClient{c: &http.Client{Transport: tr}} // no timeout: event streams stay open
}

func (p *protoClient) Do(r *http.Request) (*http.Response, error) {
	resp, err := p.c.Do(r)
	if err == nil {
		p.mu.Lock()
		p.proto = resp.Proto
		p.mu.Unlock()
	}
	return resp, err
}

func (p *protoClient) lastProto() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.proto
}

// efoTarget is newTarget for the enhanced fan-out cases; inProcess cases
// move the endpoint's clock or shorten its subscriptions.
func efoTarget(t *testing.T, inProcess bool) *target {
	t.Helper()
	tg := newTarget(t)
	tg.skipOn(t, "efo")
	if inProcess && tg.clock == nil {
		t.Skip("needs the in-process endpoint (its clock or its subscription lifetime)")
	}
	return tg
}

// streamClient is an SDK client for event streams over HTTP/1.1 or HTTP/2.
// The SDK's event stream decoder keeps state per client, so each
// subscription that may overlap another gets a client of its own.
func streamClient(url string, h2 bool) (*kinesis.Client, *protoClient) {
	pc := newProtoClient(h2)
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   sdkhttp.New(pc),
	}), pc
}

// efoStream creates an ACTIVE stream and an ACTIVE consumer on it and
// returns the stream ARN and consumer ARN.
func (tg *target) efoStream(t *testing.T, shards int32) (name, streamARN, consumerARN string) {
	t.Helper()
	ctx := context.Background()
	name = uniqueName("efo")
	tg.createActive(t, name, shards)
	streamARN = "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	out, err := tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("reader")})
	if err != nil {
		t.Fatalf("register consumer: %v", err)
	}
	consumerARN = *out.Consumer.ConsumerARN
	tg.waitConsumer(t, consumerARN, types.ConsumerStatusActive)
	return name, streamARN, consumerARN
}

func (tg *target) waitConsumer(t *testing.T, arn string, want types.ConsumerStatus) {
	t.Helper()
	eventually(t, 20*time.Second, "consumer to be "+string(want), func() bool {
		out, err := tg.client.DescribeStreamConsumer(context.Background(), &kinesis.DescribeStreamConsumerInput{ConsumerARN: &arn})
		return err == nil && out.ConsumerDescription.ConsumerStatus == want
	})
}

// nextEvent waits for the next SubscribeToShardEvent; ok is false when the
// stream ended.
func nextEvent(t *testing.T, es *kinesis.SubscribeToShardEventStream, within time.Duration) (types.SubscribeToShardEvent, bool) {
	t.Helper()
	select {
	case ev, ok := <-es.Events():
		if !ok {
			return types.SubscribeToShardEvent{}, false
		}
		e, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			t.Fatalf("unexpected event %T", ev)
		}
		return e.Value, true
	case <-time.After(within):
		t.Fatalf("no event within %v", within)
	}
	return types.SubscribeToShardEvent{}, false
}

// collect reads events until n records arrived.
func collect(t *testing.T, es *kinesis.SubscribeToShardEventStream, n int) ([]types.Record, types.SubscribeToShardEvent) {
	t.Helper()
	var recs []types.Record
	var last types.SubscribeToShardEvent
	deadline := time.Now().Add(20 * time.Second)
	for len(recs) < n {
		ev, ok := nextEvent(t, es, time.Until(deadline))
		if !ok {
			t.Fatalf("stream ended after %d of %d records: %v", len(recs), n, es.Err())
		}
		recs = append(recs, ev.Records...)
		last = ev
	}
	return recs, last
}

// ownProtocol gives one SubscribeToShard its own event stream codec. The
// SDK's client shares one between its event streams without
// synchronisation (aws/smithy-go#714), and a stream's reading goroutine
// can outlive its Close, so a test's next subscription on the same client
// would race with it under -race. spk's consumer does the same (ownCodec).
func ownProtocol(o *kinesis.Options) { o.Protocol = awsjson.New11(schemas.Kinesis_20131202) }

func subscribe(t *testing.T, c *kinesis.Client, arn, shard string, pos types.StartingPosition) *kinesis.SubscribeToShardEventStream {
	t.Helper()
	out, err := c.SubscribeToShard(context.Background(), &kinesis.SubscribeToShardInput{ConsumerARN: &arn, ShardId: &shard, StartingPosition: &pos}, ownProtocol)
	if err != nil {
		t.Fatalf("subscribe %s: %v", pos.Type, err)
	}
	t.Cleanup(func() { out.GetStream().Close() })
	return out.GetStream()
}

func datas(recs []types.Record) string {
	var ds []string
	for _, r := range recs {
		ds = append(ds, string(r.Data))
	}
	return strings.Join(ds, ",")
}

var protocols = []struct {
	name, proto string
	h2          bool
}{{"HTTP1", "HTTP/1.1", false}, {"HTTP2", "HTTP/2.0", true}}

// TestSubscribeToShardStartingPositions reads through the Go SDK, over
// HTTP/1.1 and HTTP/2, from each starting position, records put before and
// after subscribing.
func TestSubscribeToShardStartingPositions(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			tg := efoTarget(t, true)
			c, pc := streamClient(tg.url, p.h2)
			fresh := func() *kinesis.Client { c, _ := streamClient(tg.url, p.h2); return c }
			name, _, arn := tg.efoStream(t, 1)
			const shard = "shardId-000000000000"
			r1 := tg.put(t, name, "k", "r1")
			tg.clock.advance(10 * time.Second)
			r2 := tg.put(t, name, "k", "r2")
			tg.put(t, name, "k", "r3")

			es := subscribe(t, c, arn, shard, types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
			if pc.lastProto() != p.proto {
				t.Fatalf("served over %s, want %s", pc.lastProto(), p.proto)
			}
			recs, last := collect(t, es, 3)
			if datas(recs) != "r1,r2,r3" || *recs[0].SequenceNumber != *r1.SequenceNumber || *recs[0].PartitionKey != "k" || recs[0].ApproximateArrivalTimestamp == nil {
				t.Fatalf("TRIM_HORIZON: %s, first %+v", datas(recs), recs[0])
			}
			if *last.ContinuationSequenceNumber != *recs[2].SequenceNumber || *last.MillisBehindLatest != 0 {
				t.Fatalf("TRIM_HORIZON continuation %s (last record %s), behind %d", *last.ContinuationSequenceNumber, *recs[2].SequenceNumber, *last.MillisBehindLatest)
			}
			r4 := tg.put(t, name, "k", "r4") // after subscribing: pushed at once
			recs, last = collect(t, es, 1)
			if datas(recs) != "r4" || *last.ContinuationSequenceNumber != *r4.SequenceNumber {
				t.Fatalf("put after subscribing: %s", datas(recs))
			}
			es.Close()

			tg.clock.advance(6 * time.Second)
			es = subscribe(t, fresh(), arn, shard, types.StartingPosition{Type: types.ShardIteratorTypeLatest})
			ev, ok := nextEvent(t, es, 5*time.Second)
			if !ok || len(ev.Records) != 0 || *ev.ContinuationSequenceNumber != *r4.SequenceNumber {
				t.Fatalf("LATEST: first event %+v", ev)
			}
			idle := *ev.ContinuationSequenceNumber
			tg.put(t, name, "k", "r5")
			if recs, _ = collect(t, es, 1); datas(recs) != "r5" {
				t.Fatalf("LATEST: %s", datas(recs))
			}
			es.Close()

			for _, tc := range []struct {
				pos  types.StartingPosition
				want string
			}{
				{types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber, SequenceNumber: r2.SequenceNumber}, "r2,r3,r4,r5"},
				{types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: r2.SequenceNumber}, "r3,r4,r5"},
				{types.StartingPosition{Type: types.ShardIteratorTypeAtTimestamp, Timestamp: recs0Time(t, tg, name, r2)}, "r2,r3,r4,r5"},
				// The continuation of an event without records resumes there.
				{types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: &idle}, "r5"},
			} {
				tg.clock.advance(6 * time.Second)
				es = subscribe(t, fresh(), arn, shard, tc.pos)
				n := strings.Count(tc.want, ",") + 1
				if recs, _ = collect(t, es, n); datas(recs) != tc.want {
					t.Fatalf("%s: %s, want %s", tc.pos.Type, datas(recs), tc.want)
				}
				es.Close()
			}
		})
	}
}

// recs0Time is the arrival time of a record, read back with GetRecords.
func recs0Time(t *testing.T, tg *target, name string, r *kinesis.PutRecordOutput) *time.Time {
	t.Helper()
	out := tg.getRecords(t, tg.iterator(t, name, *r.ShardId, types.ShardIteratorTypeAtSequenceNumber, r.SequenceNumber), 1)
	return out.Records[0].ApproximateArrivalTimestamp
}

func TestSubscribeToShardMillisBehindLatest(t *testing.T) {
	tg := efoTarget(t, true)
	c, _ := streamClient(tg.url, false)
	name, _, arn := tg.efoStream(t, 1)
	big := strings.Repeat("x", 1<<20-1) // 1 MiB with the key
	tg.put(t, name, "k", big)
	r2 := tg.put(t, name, "k", big)
	tg.clock.advance(30 * time.Second)
	tg.put(t, name, "k", big)
	es := subscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
	// An event holds at most 2 MiB: the first two records, then the last.
	ev, ok := nextEvent(t, es, 5*time.Second)
	if !ok || len(ev.Records) != 2 || *ev.ContinuationSequenceNumber != *r2.SequenceNumber || *ev.MillisBehindLatest < 30_000 {
		t.Fatalf("first event: %d records, behind %d", len(ev.Records), *ev.MillisBehindLatest)
	}
	ev, ok = nextEvent(t, es, 5*time.Second)
	if !ok || len(ev.Records) != 1 || *ev.MillisBehindLatest != 0 {
		t.Fatalf("second event: %d records, behind %d", len(ev.Records), *ev.MillisBehindLatest)
	}
}

func TestSubscribeToShardChildShardsAfterSplit(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			tg := efoTarget(t, false)
			c, _ := streamClient(tg.url, p.h2)
			name, _, arn := tg.efoStream(t, 1)
			tg.put(t, name, "k", "before")
			es := subscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon})
			if recs, _ := collect(t, es, 1); datas(recs) != "before" {
				t.Fatalf("got %s", datas(recs))
			}
			if _, err := tg.client.SplitShard(context.Background(), &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("170141183460469231731687303715884105728")}); err != nil {
				t.Fatal(err)
			}
			tg.waitStatus(t, name, types.StreamStatusActive)
			tg.put(t, name, "k", "after") // to a child
			var ev types.SubscribeToShardEvent
			for {
				e, ok := nextEvent(t, es, 5*time.Second)
				if !ok {
					t.Fatalf("stream ended without ChildShards: %v", es.Err())
				}
				if len(e.Records) != 0 {
					t.Fatalf("the closed parent sent %s", datas(e.Records))
				}
				if e.ChildShards != nil {
					ev = e
					break
				}
			}
			if ev.ContinuationSequenceNumber != nil || len(ev.ChildShards) != 2 {
				t.Fatalf("shard end: continuation %v, %d children", ev.ContinuationSequenceNumber, len(ev.ChildShards))
			}
			for i, ch := range ev.ChildShards {
				if *ch.ShardId != fmt.Sprintf("shardId-%012d", i+1) || len(ch.ParentShards) != 1 || ch.ParentShards[0] != "shardId-000000000000" {
					t.Fatalf("child %d: %s of %v", i, *ch.ShardId, ch.ParentShards)
				}
			}
			if _, ok := nextEvent(t, es, 5*time.Second); ok {
				t.Fatal("an event after the shard's end")
			}
			if err := es.Err(); err != nil {
				t.Fatalf("the stream did not end cleanly: %v", err)
			}
		})
	}
}

// TestSubscribeToShardEndsAfterLifetime shortens the five minutes and
// checks the idle cadence (an event a second) and the clean end.
func TestSubscribeToShardEndsAfterLifetime(t *testing.T) {
	t.Cleanup(spkkinesis.SetSubscriptionLifetime(3500 * time.Millisecond)) // after the subtests, which wait side by side
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			tg := efoTarget(t, true)
			c, _ := streamClient(tg.url, p.h2)
			_, _, arn := tg.efoStream(t, 1)
			began := time.Now()
			es := subscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
			var at []time.Duration
			for {
				_, ok := nextEvent(t, es, 10*time.Second)
				if !ok {
					break
				}
				at = append(at, time.Since(began))
			}
			if err := es.Err(); err != nil {
				t.Fatalf("the stream did not end cleanly: %v", err)
			}
			// Not before its lifetime; how long after, and when each event
			// came, is the machine's load as much as the endpoint's: only
			// the number of events, one a second, is checked.
			if took := time.Since(began); took < 3500*time.Millisecond {
				t.Fatalf("the subscription ended after %v, before its 3.5s", took)
			}
			if len(at) < 2 || len(at) > 5 {
				t.Fatalf("%d idle events in 3.5s (%v), want one a second", len(at), at)
			}
		})
	}
}

func TestSubscribeToShardErrors(t *testing.T) {
	tg := efoTarget(t, true)
	ctx := context.Background()
	c, _ := streamClient(tg.url, false)
	name, streamARN, arn := tg.efoStream(t, 1)
	const shard = "shardId-000000000000"
	trim := &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon}
	sub := func(arn, shard string, pos *types.StartingPosition) error {
		out, err := c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: &arn, ShardId: &shard, StartingPosition: pos}, ownProtocol)
		if err == nil {
			out.GetStream().Close()
		}
		return err
	}

	reg, err := tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("late")})
	if err != nil {
		t.Fatal(err)
	}
	err = sub(*reg.Consumer.ConsumerARN, shard, trim)
	wantAPIError(t, err, "ResourceInUseException", fmt.Sprintf("Consumer late with creation timestamp %d under stream: %s , account %s is not in ACTIVE status.", reg.Consumer.ConsumerCreationTimestamp.Unix(), name, account))

	err = sub(strings.Replace(arn, "/consumer/reader:", "/consumer/nobody:", 1), shard, trim)
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer "+name+"/nobody, account "+account+" not found.")
	err = sub(streamARN, shard, trim)
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '"+streamARN+"' at 'consumerARN' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream")
	err = sub(arn, "shardId-000000000009", trim)
	wantAPIError(t, err, "ResourceNotFoundException", "Shard shardId-000000000009 in stream "+name+" under account "+account+" does not exist")
	err = sub(arn, shard, &types.StartingPosition{Type: types.ShardIteratorTypeAtSequenceNumber})
	wantAPIError(t, err, "InvalidArgumentException", "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber")
	resp, body := tg.rawPost(t, "Kinesis_20131202.SubscribeToShard", "application/x-amz-json-1.1", []byte(`{"ConsumerARN":"`+arn+`","ShardId":"`+shard+`","StartingPosition":{"Type":"NEWEST"}}`))
	if want := `{"__type":"ValidationException","message":"1 validation error detected: Value 'NEWEST' at 'startingPosition.type' failed to satisfy constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]"}`; resp.StatusCode != 400 || string(body) != want {
		t.Fatalf("bad starting position type: %d %s", resp.StatusCode, body)
	}
	resp, body = tg.rawPost(t, "Kinesis_20131202.SubscribeToShard", "application/x-amz-json-1.1", []byte(`{"ConsumerARN":"`+arn+`","ShardId":"`+shard+`"}`))
	if want := `{"__type":"ValidationException","message":"1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null"}`; resp.StatusCode != 400 || string(body) != want {
		t.Fatalf("no starting position: %d %s", resp.StatusCode, body)
	}

	// Within 5 seconds of a subscription, the same consumer cannot
	// subscribe to the same shard again; 5 seconds on, a call takes over
	// and the first subscription fails with ResourceInUseException.
	c1, _ := streamClient(tg.url, false)
	first := subscribe(t, c1, arn, shard, *trim)
	err = sub(arn, shard, trim)
	wantAPIError(t, err, "ResourceInUseException", "Another active subscription exists for this consumer")
	tg.clock.advance(5 * time.Second)
	c2, _ := streamClient(tg.url, false)
	second := subscribe(t, c2, arn, shard, *trim)
	for {
		if _, ok := nextEvent(t, first, 5*time.Second); !ok {
			break
		}
	}
	var inUse *types.ResourceInUseException
	if err := first.Err(); !errors.As(err, &inUse) {
		t.Fatalf("the subscription taken over ended with %v, want ResourceInUseException", err)
	}
	// Deregistering the consumer ends its subscription.
	if _, err := tg.client.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: &arn}); err != nil {
		t.Fatal(err)
	}
	for {
		if _, ok := nextEvent(t, second, 5*time.Second); !ok {
			break
		}
	}
	var notFound *types.ResourceNotFoundException
	if err := second.Err(); !errors.As(err, &notFound) {
		t.Fatalf("the subscription of a deregistered consumer ended with %v, want ResourceNotFoundException", err)
	}
}

// rawSubscribe sends SubscribeToShard by hand and returns the open response.
func rawSubscribe(t *testing.T, hc *http.Client, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.SubscribeToShard")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAFAKE/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0000")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func headerMap(m eventstream.Message) string {
	var hs []string
	for _, h := range m.Headers {
		hs = append(hs, h.Name+"="+h.Value.String())
	}
	return strings.Join(hs, " ")
}

// TestSubscribeToShardWireFormat checks the exact event stream messages.
func TestSubscribeToShardWireFormat(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			tg := efoTarget(t, true)
			pc := newProtoClient(p.h2)
			name, _, arn := tg.efoStream(t, 1)
			put := tg.put(t, name, "pk", "hello")
			body := `{"ConsumerARN":"` + arn + `","ShardId":"shardId-000000000000","StartingPosition":{"Type":"TRIM_HORIZON"}}`
			resp := rawSubscribe(t, pc.c, tg.url, body)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" || resp.Proto != p.proto {
				t.Fatalf("%s %d %s", resp.Proto, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			dec := eventstream.NewDecoder()
			msg, err := dec.Decode(resp.Body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := headerMap(msg); got != ":message-type=event :event-type=initial-response :content-type=application/json" || string(msg.Payload) != "{}" {
				t.Fatalf("initial response: %s %q", got, msg.Payload)
			}
			msg, err = dec.Decode(resp.Body, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := headerMap(msg); got != ":message-type=event :event-type=SubscribeToShardEvent :content-type=application/json" {
				t.Fatalf("event headers: %s", got)
			}
			var ev map[string]any
			if err := json.Unmarshal(msg.Payload, &ev); err != nil {
				t.Fatal(err)
			}
			recs, _ := ev["Records"].([]any)
			if len(recs) != 1 || ev["ContinuationSequenceNumber"] != *put.SequenceNumber || ev["MillisBehindLatest"] != 0.0 || ev["ChildShards"] != nil {
				t.Fatalf("event payload %s", msg.Payload)
			}
			rec := recs[0].(map[string]any)
			if rec["Data"] != "aGVsbG8=" || rec["PartitionKey"] != "pk" || rec["SequenceNumber"] != *put.SequenceNumber {
				t.Fatalf("record %s", msg.Payload)
			}
			if _, ok := rec["ApproximateArrivalTimestamp"].(float64); !ok {
				t.Fatalf("record %s", msg.Payload)
			}
			// Taken over 5 seconds on: an exception message, then the end.
			tg.clock.advance(5 * time.Second)
			rawSubscribe(t, pc.c, tg.url, body)
			for {
				msg, err = dec.Decode(resp.Body, nil)
				if err != nil {
					t.Fatalf("no exception message: %v", err)
				}
				if msg.Headers.Get(":message-type").String() == "exception" {
					break
				}
			}
			if got := headerMap(msg); got != ":message-type=exception :exception-type=ResourceInUseException :content-type=application/json" {
				t.Fatalf("exception headers: %s", got)
			}
			if want := `{"message":"Another active subscription exists for this consumer: ` + account + `:` + name + `:shardId-000000000000:reader"}`; string(msg.Payload) != want {
				t.Fatalf("exception payload %s, want %s", msg.Payload, want)
			}
			if _, err := dec.Decode(resp.Body, nil); !errors.Is(err, io.EOF) {
				t.Fatalf("after the exception: %v, want the end of the stream", err)
			}
		})
	}
}

// TestSubscribeToShardShutdown: a graceful shutdown of the endpoint ends
// open subscriptions instead of waiting five minutes for them.
func TestSubscribeToShardShutdown(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			opts := local.DefaultOptions()
			opts.Addr, opts.InMemory = "127.0.0.1:0", true
			opts.CreateDelay, opts.DeleteDelay, opts.UpdateDelay = -1, -1, -1
			srv, err := local.Start(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			tg := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
			c, _ := streamClient(tg.url, p.h2)
			_, _, arn := tg.efoStream(t, 1)
			es := subscribe(t, c, arn, "shardId-000000000000", types.StartingPosition{Type: types.ShardIteratorTypeLatest})
			if _, ok := nextEvent(t, es, 5*time.Second); !ok {
				t.Fatal("no first event")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			began := time.Now()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			if took := time.Since(began); took > 5*time.Second {
				t.Fatalf("shutdown waited %v for an open subscription", took)
			}
			for {
				if _, ok := nextEvent(t, es, 5*time.Second); !ok {
					break
				}
			}
		})
	}
}

// TestSubscribeToShardClientDisconnects: when the SDK's client closes the
// event stream, the endpoint stops serving the subscription.
func TestSubscribeToShardClientDisconnects(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			tg := efoTarget(t, true)
			eventually(t, 10*time.Second, "earlier subscriptions to end", func() bool { return spkkinesis.ServedSubscriptions() == 0 })
			c, _ := streamClient(tg.url, p.h2)
			_, _, arn := tg.efoStream(t, 1)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			out, err := c.SubscribeToShard(ctx, &kinesis.SubscribeToShardInput{ConsumerARN: &arn, ShardId: aws.String("shardId-000000000000"), StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeLatest}}, ownProtocol)
			if err != nil {
				t.Fatal(err)
			}
			es := out.GetStream()
			if _, ok := nextEvent(t, es, 5*time.Second); !ok {
				t.Fatal("no first event")
			}
			if n := spkkinesis.ServedSubscriptions(); n != 1 {
				t.Fatalf("%d subscriptions served, want 1", n)
			}
			es.Close()
			cancel()
			eventually(t, 10*time.Second, "the endpoint to notice the client left", func() bool { return spkkinesis.ServedSubscriptions() == 0 })
		})
	}
}
