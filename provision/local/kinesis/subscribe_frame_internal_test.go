package kinesis

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// TestSubscribeEventFrameMatchesTheEncoder checks the hand-written
// SubscribeToShardEvent message against the event stream encoder and
// encoding/json writing the same event.
func TestSubscribeEventFrameMatchesTheEncoder(t *testing.T) {
	recs := []record{
		{counter: 1, arrivalMs: 1764121234567, pk: []byte("k1"), data: []byte(`{"a":1}`)},
		{counter: 2, arrivalMs: 1764121235000, pk: []byte("é<\"\\>"), data: []byte{0, 1, 2, 255}, encrypted: true},
		{counter: 3, arrivalMs: 1764121235001, pk: []byte("k3"), data: nil},
	}
	children := []childShard{{ShardId: "shardId-000000000002", ParentShards: []string{"shardId-000000000000"}, HashKeyRange: hashKeyRange{StartingHashKey: "0", EndingHashKey: "9"}}}
	for _, res := range []getRecordsResult{
		{records: recs, created: 1764120000000, shard: 0, next: "it", pos: 4, millisBehind: 1234},
		{records: nil, created: 1764120000000, shard: 3, next: "it", pos: 0},
		{records: recs[:1], created: 1764120000000, shard: 1, next: "", pos: 2, children: children},
		{records: nil, created: 1764120000000, shard: 1, next: "", pos: 2, children: []childShard{}},
	} {
		// What the generic path writes.
		var ev subscribeEvent
		ev.Records = make([]recordOut, len(res.records))
		for i, rec := range res.records {
			ev.Records[i] = recordOut{SequenceNumber: formatSeq(res.created, res.shard, rec.counter), ApproximateArrivalTimestamp: epochMs(rec.arrivalMs), Data: append([]byte{}, rec.data...), PartitionKey: string(rec.pk)}
			if rec.encrypted {
				ev.Records[i].EncryptionType = "KMS"
			}
		}
		ev.MillisBehindLatest = res.millisBehind
		if res.next == "" {
			ev.ChildShards = res.children
		} else {
			cont := formatSeq(res.created, res.shard, max(res.pos, 1)-1)
			ev.ContinuationSequenceNumber = &cont
		}
		payload, _ := json.Marshal(ev)

		frame := appendEventFrame([]byte("prefix"), &res)
		if !bytes.HasPrefix(frame, []byte("prefix")) {
			t.Fatal("the prefix was lost")
		}
		msg, err := eventstream.NewDecoder().Decode(bytes.NewReader(frame[len("prefix"):]), nil)
		if err != nil {
			t.Fatal(err)
		}
		var want eventstream.Message
		want.Headers.Set(":message-type", eventstream.StringValue("event"))
		want.Headers.Set(":event-type", eventstream.StringValue("SubscribeToShardEvent"))
		want.Headers.Set(":content-type", eventstream.StringValue("application/json"))
		if !reflect.DeepEqual(msg.Headers, want.Headers) {
			t.Fatalf("headers %v, want %v", msg.Headers, want.Headers)
		}
		var got, exp any
		if err := json.Unmarshal(msg.Payload, &got); err != nil {
			t.Fatalf("%s: %v", msg.Payload, err)
		}
		json.Unmarshal(payload, &exp)
		if !reflect.DeepEqual(got, exp) {
			t.Fatalf("payload\n%s\nwant\n%s", msg.Payload, payload)
		}
	}
}
