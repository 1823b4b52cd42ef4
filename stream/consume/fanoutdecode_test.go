package consume

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/eventstream"
	smithytime "github.com/aws/smithy-go/time"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

func frameOf(t *testing.T, eventType, contentType string, payload string) []byte {
	t.Helper()
	var msg eventstream.Message
	msg.Headers.Set(":message-type", eventstream.StringValue("event"))
	msg.Headers.Set(":event-type", eventstream.StringValue(eventType))
	if contentType != "" {
		msg.Headers.Set(":content-type", eventstream.StringValue(contentType))
	}
	msg.Payload = []byte(payload)
	var b bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&b, msg); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fastDecode reads a message with a subscription's decoder, as the reader
// sees it: the event, with its records copied out of its page if it has one.
func fastDecode(p *eventProtocol, frame []byte) (*types.SubscribeToShardEvent, error) {
	ev, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame))
	if err != nil {
		return nil, err
	}
	e := ev.(*types.SubscribeToShardEvent)
	if pg := p.take(e); pg != nil {
		e.Records = pg.records()
	}
	return e, nil
}

// TestFanOutEventDecoderAgreesWithTheSDK decodes events with the
// subscription's reader and with the SDK's, which must agree; what the
// reader does not know in full is left to the SDK.
func TestFanOutEventDecoderAgreesWithTheSDK(t *testing.T) {
	cases := []struct {
		payload string
		fast    bool
	}{
		{`{"Records":[],"ContinuationSequenceNumber":"49","MillisBehindLatest":0}`, true},
		{`{"Records":[{"SequenceNumber":"4960","ApproximateArrivalTimestamp":1764121234.567,"Data":"eyJhIjoxfQ==","PartitionKey":"k1"},{"SequenceNumber":"4961","ApproximateArrivalTimestamp":1764121234,"Data":"","PartitionKey":"k2","EncryptionType":"KMS"}],"ContinuationSequenceNumber":"4961","MillisBehindLatest":1234}`, true},
		{` { "MillisBehindLatest" : 5 , "Records" : [ { "Data" : "AAEC" , "SequenceNumber" : "1" , "PartitionKey" : "p" , "ApproximateArrivalTimestamp" : 1.5e9 } ] , "ContinuationSequenceNumber" : "1" } `, true},
		{`{"Records":[{"SequenceNumber":"1","Data":"` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("0123456789"), 2000)) + `","PartitionKey":"p","EncryptionType":"NONE"}],"MillisBehindLatest":0}`, true},
		{`{"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1764121234.5,"Data":"AA==","PartitionKey":"\u00e9"}],"ContinuationSequenceNumber":"1","MillisBehindLatest":0}`, false},
		{`{"Records":[],"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]}`, false},
		{`{"Records":[],"ContinuationSequenceNumber":"49","MillisBehindLatest":0,"Unknown":1}`, false},
		{`{"Records":[{"SequenceNumber":"1","Data":"AA==","PartitionKey":"p"}],"ContinuationSequenceNumber":"1"}`, false},
		{`{"Records":[{"SequenceNumber":"1","Data":"!!","PartitionKey":"p"}],"MillisBehindLatest":0}`, false},
	}
	sdk := awsjson.New11(schemas.Kinesis_20131202)
	pool := newPagePool(1 << 20)
	for _, c := range cases {
		frame := frameOf(t, "SubscribeToShardEvent", "application/json", c.payload)
		fast, _ := fastEvent(append([]byte{}, frame...), &rawPage{})
		if (fast != nil) != c.fast {
			t.Fatalf("%s: read here %v, want %v", c.payload, fast != nil, c.fast)
		}
		want, wantErr := sdk.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame))
		p := newEventProtocol(context.Background(), pool)
		got, err := fastDecode(p, frame)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, the SDK's %v", c.payload, err, wantErr)
		}
		if err != nil {
			if held := pool.held(); held != 0 {
				t.Fatalf("%s: %d bytes still held after an error", c.payload, held)
			}
			continue
		}
		w := want.(*types.SubscribeToShardEvent)
		if len(got.Records) == 0 && len(w.Records) == 0 {
			got.Records, w.Records = nil, nil
		}
		for i := range got.Records {
			if len(got.Records[i].Data) == 0 && len(w.Records[i].Data) == 0 {
				got.Records[i].Data, w.Records[i].Data = nil, nil
			}
		}
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("%s:\n got %+v\nwant %+v", c.payload, got, w)
		}
		p.done(got)
		if held := pool.held(); held != 0 {
			t.Fatalf("%s: %d bytes still held once counted", c.payload, held)
		}
	}
	// Other messages go to the SDK.
	if ev, _ := fastEvent(frameOf(t, "SubscribeToShardEvent", "application/cbor", `{}`), &rawPage{}); ev != nil {
		t.Fatal("read a CBOR message")
	}
	if ev, _ := fastEvent(frameOf(t, "Other", "application/json", `{"Records":[],"MillisBehindLatest":0}`), &rawPage{}); ev != nil {
		t.Fatal("read a message that is not a SubscribeToShardEvent")
	}
	// A corrupt message is not read here.
	frame := frameOf(t, "SubscribeToShardEvent", "application/json", cases[0].payload)
	frame[len(frame)-6] ^= 1
	if ev, _ := fastEvent(frame, &rawPage{}); ev != nil {
		t.Fatal("read a message whose CRC does not match")
	}
}

// eventPayload is a SubscribeToShardEvent of n records whose data, keys and
// sequence numbers all depend on tag.
func eventPayload(tag string, n int) string {
	var b strings.Builder
	b.WriteString(`{"Records":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		data := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf(`{"type":"%s-%d"}`, tag, i)))
		fmt.Fprintf(&b, `{"SequenceNumber":"%s%05d","ApproximateArrivalTimestamp":1764121234.%03d,"Data":"%s","PartitionKey":"%s-key-%d"}`, tag, i, i%1000, data, tag, i)
	}
	fmt.Fprintf(&b, `],"ContinuationSequenceNumber":"%s%05d","MillisBehindLatest":0}`, tag, n-1)
	return b.String()
}

// TestFanOutEventPagesAreHeldUntilDone decodes events with one
// subscription's decoder: an event not yet counted keeps its page while the
// next is read, a counted one's buffer carries the next, and closing the
// subscription gives back the pages of events never counted.
func TestFanOutEventPagesAreHeldUntilDone(t *testing.T) {
	sdk := awsjson.New11(schemas.Kinesis_20131202)
	frame := func(payload string) []byte { return frameOf(t, "SubscribeToShardEvent", "application/json", payload) }
	check := func(what string, p *eventProtocol, got *types.SubscribeToShardEvent, payload string) {
		t.Helper()
		want, err := sdk.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame(payload)))
		if err != nil {
			t.Fatal(err)
		}
		pg := p.take(got)
		if pg == nil {
			t.Fatalf("%s: no page", what)
		}
		g := *got
		g.Records = pg.records()
		if !reflect.DeepEqual(&g, want) {
			t.Fatalf("%s: decoded differently from the SDK", what)
		}
	}
	decode := func(p *eventProtocol, payload string) *types.SubscribeToShardEvent {
		t.Helper()
		ev, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame(payload)))
		if err != nil {
			t.Fatal(err)
		}
		return ev.(*types.SubscribeToShardEvent)
	}
	pool := newPagePool(1 << 20)
	p := newEventProtocol(context.Background(), pool)
	pa, pb, pc := eventPayload("a", 300), eventPayload("b", 200), eventPayload("c", 250)
	a := decode(p, pa)
	b := decode(p, pb) // a is still being counted
	check("a, after b was read", p, a, pa)
	check("b", p, b, pb)
	aBuf := &p.take(a).own[0]
	p.done(a)
	p.done(a) // twice is harmless
	c := decode(p, pc)
	check("c", p, c, pc)
	check("b, after c was read", p, b, pb)
	if &p.take(c).own[0] != aBuf {
		t.Fatal("c was not read into the buffer a gave back")
	}
	p.done(&types.SubscribeToShardEvent{MillisBehindLatest: ptr(int64(0))}) // not read here: ignored
	p.close()
	if held := pool.held(); held != 0 {
		t.Fatalf("%d bytes held after the subscription closed", held)
	}
	if d := decode(p, pa); p.take(d) != nil || pool.held() != 0 {
		t.Fatal("an event read after the subscription closed kept its page")
	}

	// Reading and counting in turn allocates a handful of objects per
	// event, not several per record.
	p = newEventProtocol(context.Background(), pool)
	f := frame(eventPayload("d", 500))
	var s recordScratch
	allocs := testing.AllocsPerRun(20, func() {
		ev, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		e := ev.(*types.SubscribeToShardEvent)
		p.take(e).each(&s, func(*types.Record) {})
		p.done(e)
	})
	if allocs > 20 {
		t.Fatalf("%.0f allocations per event of 500 records", allocs)
	}
}

// TestFanOutEventWaitsForTheBudget reads events with two subscriptions of
// one consumer: the second waits while the first holds the budget, goes on
// once it is given back, and stops waiting when its subscription ends.
func TestFanOutEventWaitsForTheBudget(t *testing.T) {
	f := frameOf(t, "SubscribeToShardEvent", "application/json", eventPayload("a", 100))
	pool := newPagePool(len(f))
	read := func(p *eventProtocol) <-chan error {
		done := make(chan error, 1)
		go func() {
			_, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(f))
			done <- err
		}()
		return done
	}
	first := newEventProtocol(context.Background(), pool)
	if err := <-read(first); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	second := read(newEventProtocol(ctx, pool))
	select {
	case err := <-second:
		t.Fatalf("read beyond the budget (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	first.close()
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	third := read(newEventProtocol(ctx, pool))
	cancel()
	if err := <-third; !errors.Is(err, context.Canceled) {
		t.Fatalf("a subscription that ended while waiting: %v", err)
	}
}

// TestEpochSecondsAgreesWithTheSDK compares the arrival-time conversion
// with the SDK's over whole, fractional, tiny and random times.
func TestEpochSecondsAgreesWithTheSDK(t *testing.T) {
	values := []float64{0, 1, 1.5e9, 1764121234.567, 1764121234.5675, 1764121234.999999, 0.001, 0.0009999, -1.5, 4102444800.123}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		values = append(values, rng.Float64()*4e9, float64(rng.Int64N(4e12))/1e3)
	}
	for _, v := range values {
		if got, want := epochSeconds(v), smithytime.ParseEpochSeconds(v); !got.Equal(want) || got.Location() != want.Location() {
			t.Fatalf("%v: %v, the SDK's %v", v, got, want)
		}
	}
}
