package consume

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go"
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
		{`{"Records":[{"SequenceNumber":"1","ApproximateArrivalTimestamp":1764121234.5,"Data":"AA==","PartitionKey":"\u00e9"}],"ContinuationSequenceNumber":"1","MillisBehindLatest":0}`, false},
		{`{"Records":[],"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]}`, false},
		{`{"Records":[],"ContinuationSequenceNumber":"49","MillisBehindLatest":0,"Unknown":1}`, false},
		{`{"Records":[{"SequenceNumber":"1","Data":"!!","PartitionKey":"p"}],"MillisBehindLatest":0}`, false},
	}
	sdk := awsjson.New11(schemas.Kinesis_20131202)
	for _, c := range cases {
		frame := frameOf(t, "SubscribeToShardEvent", "application/json", c.payload)
		fast := fastEvent(frame, &eventBufs{})
		if (fast != nil) != c.fast {
			t.Fatalf("%s: read here %v, want %v", c.payload, fast != nil, c.fast)
		}
		want, wantErr := sdk.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame))
		p := newEventProtocol()
		got, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame))
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%s: error %v, the SDK's %v", c.payload, err, wantErr)
		}
		if err != nil {
			continue
		}
		g, w := got.(*types.SubscribeToShardEvent), want.(*types.SubscribeToShardEvent)
		if len(g.Records) == 0 && len(w.Records) == 0 {
			g.Records, w.Records = nil, nil
		}
		for i := range g.Records {
			if len(g.Records[i].Data) == 0 && len(w.Records[i].Data) == 0 {
				g.Records[i].Data, w.Records[i].Data = nil, nil
			}
		}
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("%s:\n got %+v\nwant %+v", c.payload, g, w)
		}
	}
	// Other messages go to the SDK.
	if fastEvent(frameOf(t, "SubscribeToShardEvent", "application/cbor", `{}`), &eventBufs{}) != nil || fastEvent(frameOf(t, "Other", "application/json", `{"Records":[],"MillisBehindLatest":0}`), &eventBufs{}) != nil {
		t.Fatal("read a message that is not a JSON SubscribeToShardEvent")
	}
	// A corrupt message is not read here.
	frame := frameOf(t, "SubscribeToShardEvent", "application/json", cases[0].payload)
	frame[len(frame)-6] ^= 1
	if fastEvent(frame, &eventBufs{}) != nil {
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

// TestFanOutEventBuffersAreReusedOnlyOnceReleased decodes events with one
// subscription's decoder: an event not yet released keeps its records
// while the next is decoded, and a released event's buffers carry the next.
func TestFanOutEventBuffersAreReusedOnlyOnceReleased(t *testing.T) {
	sdk := awsjson.New11(schemas.Kinesis_20131202)
	decode := func(p interface {
		DeserializeEventMessage(*smithy.Schema, *smithy.TypeRegistry, io.Reader) (smithy.Deserializable, error)
	}, payload string) *types.SubscribeToShardEvent {
		t.Helper()
		ev, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frameOf(t, "SubscribeToShardEvent", "application/json", payload)))
		if err != nil {
			t.Fatal(err)
		}
		return ev.(*types.SubscribeToShardEvent)
	}
	// want decodes with the SDK; a copy, since the checks below compare
	// later with what was decoded earlier.
	check := func(what string, got *types.SubscribeToShardEvent, payload string) {
		t.Helper()
		if want := decode(sdk, payload); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: decoded differently from the SDK", what)
		}
	}
	p := newEventProtocol()
	pa, pb, pc := eventPayload("a", 300), eventPayload("b", 200), eventPayload("c", 250)
	a := decode(p, pa)
	b := decode(p, pb) // a is still being counted
	check("a, after b was decoded", a, pa)
	check("b", b, pb)
	firstData := &a.Records[0].Data[0]
	p.release(a)
	p.release(a) // twice is harmless
	c := decode(p, pc)
	check("c", c, pc)
	check("b, after c was decoded", b, pb)
	if &c.Records[0].Data[0] != firstData {
		t.Fatal("c was not decoded into the buffers a released")
	}
	p.release(&types.SubscribeToShardEvent{Records: []types.Record{{}}}) // not decoded here: ignored

	// Decoding and releasing in turn allocates a handful of objects per
	// event, not several per record.
	frame := frameOf(t, "SubscribeToShardEvent", "application/json", eventPayload("d", 500))
	allocs := testing.AllocsPerRun(20, func() {
		ev, err := p.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame))
		if err != nil {
			t.Fatal(err)
		}
		p.release(ev.(*types.SubscribeToShardEvent))
	})
	if allocs > 20 {
		t.Fatalf("%.0f allocations per event of 500 records", allocs)
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
