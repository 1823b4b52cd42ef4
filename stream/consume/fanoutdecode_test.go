package consume

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/schemas"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/eventstream"
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
		fast := fastEvent(frame)
		if (fast != nil) != c.fast {
			t.Fatalf("%s: read here %v, want %v", c.payload, fast != nil, c.fast)
		}
		want, wantErr := sdk.DeserializeEventMessage(schemas.SubscribeToShardEventStream, kinesis.TypeRegistry, bytes.NewReader(frame))
		p := &eventProtocol{ClientProtocol: awsjson.New11(schemas.Kinesis_20131202)}
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
	if fastEvent(frameOf(t, "SubscribeToShardEvent", "application/cbor", `{}`)) != nil || fastEvent(frameOf(t, "Other", "application/json", `{"Records":[],"MillisBehindLatest":0}`)) != nil {
		t.Fatal("read a message that is not a JSON SubscribeToShardEvent")
	}
	// A corrupt message is not read here.
	frame := frameOf(t, "SubscribeToShardEvent", "application/json", cases[0].payload)
	frame[len(frame)-6] ^= 1
	if fastEvent(frame) != nil {
		t.Fatal("read a message whose CRC does not match")
	}
}
