package kinesis_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	spkkinesis "github.com/spk-cli/spk/provision/local/kinesis"
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

// streamClient is an SDK client for event streams over HTTP/1.1 or HTTP/2.
func streamClient(url string, h2 bool) (*kinesis.Client, *protoClient) {
	pc := newProtoClient(h2)
	return kinesis.New(kinesis.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   pc,
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

func TestSubscribeToShardSmoke(t *testing.T) {
	tg := newTarget(t)
	name, _, arn := tg.efoStream(t, 1)
	tg.put(t, name, "a", "before")
	for _, h2 := range []bool{false, true} {
		c, pc := streamClient(tg.url, h2)
		out, err := c.SubscribeToShard(context.Background(), &kinesis.SubscribeToShardInput{
			ConsumerARN: &arn, ShardId: aws.String("shardId-000000000000"),
			StartingPosition: &types.StartingPosition{Type: types.ShardIteratorTypeTrimHorizon},
		})
		if err != nil {
			t.Fatalf("subscribe (h2 %v): %v", h2, err)
		}
		es := out.GetStream()
		recs, _ := collect(t, es, 1)
		if string(recs[0].Data) != "before" {
			t.Fatalf("got %q", recs[0].Data)
		}
		tg.put(t, name, "a", "after")
		recs, ev := collect(t, es, 1)
		if string(recs[0].Data) != "after" || *ev.ContinuationSequenceNumber != *recs[0].SequenceNumber {
			t.Fatalf("got %q cont %v", recs[0].Data, *ev.ContinuationSequenceNumber)
		}
		t.Logf("proto %s", pc.lastProto())
		es.Close()
		tg.clock.advance(6 * time.Second)
	}
	_ = errors.New
	_ = spkkinesis.SetSubscriptionLifetime
}
