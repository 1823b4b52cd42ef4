package kinesis_test

// The Kinesis conformance suite: the cases of CONFORMANCE.md (K1–K20,
// W1–W3) and more, driven through aws-sdk-go-v2. It starts spk's endpoint
// in-process, or runs against a peer emulator when SPK_CONFORMANCE_ENDPOINT
// and SPK_CONFORMANCE_PEER are set (see scripts/conformance-peers.sh).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/fxamacker/cbor/v2"

	local "github.com/spk-cli/spk/provision/local"
)

// peerSkips lists, per peer, the cases where that peer is known to differ
// from AWS, and how.
var peerSkips = map[string]map[string]string{
	"kinesalite": {
		"K4":                           "requires ShardCount; AWS creates 4 shards when it is omitted",
		"K13":                          "AT_TIMESTAMP later than every record never answers (kinesalite #84)",
		"K15-quoted":                   "rejects an iterator wrapped in quotes, which AWS accepts",
		"K17":                          "MillisBehindLatest is always 0",
		"K18-resplit":                  "splits an already split shard again (kinesalite #109)",
		"K19-children":                 "GetRecords never returns ChildShards",
		"K20-filter":                   "ignores ListShards' ShardFilter",
		"W2":                           "CBOR blobs come back as a map {type: Buffer, data: [...]}, not a byte string",
		"list-streams-summaries":       "ListStreams has no StreamSummaries",
		"arn":                          "does not accept StreamARN in place of StreamName",
		"update-shard-count":           "does not implement UpdateShardCount",
		"validation-decimal-anchor":    "anchors the pattern 0|([1-9]\\d{0,n}) only in its first alternative, so a value with a leading zero such as '01' passes",
		"loose-shard-ids-list":         "does not resolve ListShards' ExclusiveStartShardId, so \"0\" is not shardId-000000000000",
		"validation-tags-stream-limit": "refuses a 51st tag on a stream but words it 'more than 10 tags'",
		"validation-tags-per-call":     "allows 10 tags per AddTagsToStream, an older limit; today's API model allows 200",
		"validation-tags-create":       "ignores CreateStream's Tags",
		"efo":                          "does not implement enhanced fan-out (stream consumers, SubscribeToShard)",
		"describe-limit-cap":           "answers a DescribeStream Limit over 100 with that many shards; AWS answers at most 100",
	},
	"kinesis-local": {
		"messages":                          "error messages are worded differently from AWS throughout (e.g. no 'under account …'); only error types are compared",
		"K1":                                "hash key ranges are off by one from AWS's floor(2^128/n) split",
		"K2":                                "DescribeStream lists shards while the stream is CREATING",
		"K8-limit":                          "accepts PutRecords with more than 500 entries",
		"K12-shard":                         "accepts a sequence number of another shard",
		"K14":                               "accepts TRIM_HORIZON and LATEST with a StartingSequenceNumber",
		"K15-garbage":                       "answers a garbage iterator with an untyped error",
		"K16-validation":                    "answers Limit 10001 with InvalidArgumentException, not ValidationException",
		"K5-body":                           "the ResourceNotFoundException message names the stream's ARN, not its name",
		"K18-ending":                        "a split parent's EndingSequenceNumber is below records it holds",
		"K18-resplit":                       "re-splitting a split shard answers ResourceInUseException, not InvalidArgumentException",
		"W1-unknown-operation":              "answers an unknown operation with AccessDeniedException",
		"W2":                                "CBOR blobs come back as base64 text, not byte strings",
		"list-streams-summaries":            "ListStreams has no StreamSummaries",
		"reshard-on-demand":                 "reshards an ON_DEMAND stream, where Kinesis answers ValidationException",
		"validation-before-lookup":          "looks the stream up before validating the request's members",
		"validation-all-members":            "reports invalid members one at a time, as InvalidArgumentException or SerializationException, not all in one ValidationException",
		"validation-serialization-blob":     "answers undecodable base64 with ResourceNotFoundException or an empty HTTP 500, not SerializationException",
		"validation-serialization-key":      "puts a SerializationException's text under \"message\", where Kinesis's deserialiser uses \"Message\"",
		"validation-serialization-truncate": "refuses a fractional Integer instead of truncating it",
		"loose-shard-ids":                   "takes shard ids literally: \"1\" or \"shardId-1\" name no shard",
		"validation-tags":                   "answers tag count and length violations with InvalidArgumentException, and accepts an empty Tags map or TagKeys list",
		"sequence-number-for-ordering":      "refuses \"0\" as SequenceNumberForOrdering",
		"validation-stream-arn":             "answers a missing stream reference with InvalidArgumentException and a malformed ARN with SerializationException, and takes the ARN when StreamName names another stream",
	},
}

func TestK01CreateStreamLifecycle(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K1")
	ctx := context.Background()
	name := uniqueName("events")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
	sum, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.StreamDescriptionSummary.StreamStatus; got != types.StreamStatusCreating {
		t.Fatalf("status right after create = %s, want CREATING", got)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	shards := tg.shards(t, name)
	want := [][2]string{
		{"0", "170141183460469231731687303715884105727"},
		{"170141183460469231731687303715884105728", "340282366920938463463374607431768211455"},
	}
	if len(shards) != 2 {
		t.Fatalf("got %d shards, want 2", len(shards))
	}
	seqRe := regexp.MustCompile(`^\d{56}$`)
	for i, sh := range shards {
		if *sh.HashKeyRange.StartingHashKey != want[i][0] || *sh.HashKeyRange.EndingHashKey != want[i][1] {
			t.Errorf("shard %d range = %s…%s, want %s…%s", i, *sh.HashKeyRange.StartingHashKey, *sh.HashKeyRange.EndingHashKey, want[i][0], want[i][1])
		}
		if !seqRe.MatchString(*sh.SequenceNumberRange.StartingSequenceNumber) {
			t.Errorf("shard %d StartingSequenceNumber %q is not 56 digits", i, *sh.SequenceNumberRange.StartingSequenceNumber)
		}
		if got := fmt.Sprintf("shardId-%012d", i); *sh.ShardId != got {
			t.Errorf("shard %d id = %s, want %s", i, *sh.ShardId, got)
		}
	}
	desc, err := tg.client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	d := desc.StreamDescription
	if *d.StreamARN != "arn:aws:kinesis:us-east-1:"+account+":stream/"+name || *d.RetentionPeriodHours != 24 || len(d.Shards) != 2 || *d.HasMoreShards {
		t.Errorf("unexpected description: arn %s retention %d shards %d more %v", *d.StreamARN, *d.RetentionPeriodHours, len(d.Shards), *d.HasMoreShards)
	}
}

func TestK02WhileCreating(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K2")
	ctx := context.Background()
	name := uniqueName("events")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		tg.waitStatus(t, name, types.StreamStatusActive)
		tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name})
	})
	desc, err := tg.client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if desc.StreamDescription.StreamStatus != types.StreamStatusCreating || len(desc.StreamDescription.Shards) != 0 {
		t.Fatalf("while creating: status %s with %d shards, want CREATING with none", desc.StreamDescription.StreamStatus, len(desc.StreamDescription.Shards))
	}
	_, err = tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("x")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+name+" under account "+account+" not found.")
	_, err = tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("12345")})
	wantAPIError(t, err, "ResourceInUseException", "Stream "+name+" under account "+account+" not ACTIVE, instead in state CREATING")
}

func TestK03CreateExisting(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K3")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	_, err := tg.client.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)})
	wantAPIError(t, err, "ResourceInUseException", "Stream "+name+" under account "+account+" already exists.")
}

func TestK04DefaultShardCount(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K4")
	name := uniqueName("x")
	if _, err := tg.client.CreateStream(context.Background(), &kinesis.CreateStreamInput{StreamName: &name}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
	tg.waitStatus(t, name, types.StreamStatusActive)
	if n := len(tg.shards(t, name)); n != 4 {
		t.Fatalf("got %d shards, want 4", n)
	}
}

func TestK05DescribeMissing(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K5")
	name := uniqueName("nope")
	_, err := tg.client.DescribeStream(context.Background(), &kinesis.DescribeStreamInput{StreamName: &name})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+name+" under account "+account+" not found.")

	resp, body := tg.rawPost(t, "Kinesis_20131202.DescribeStream", "application/x-amz-json-1.1", []byte(`{"StreamName":"`+name+`"}`))
	if resp.StatusCode != 400 {
		t.Fatalf("status %d, want 400", resp.StatusCode)
	}
	var got map[string]string
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	want := map[string]string{"__type": "ResourceNotFoundException", "message": "Stream " + name + " under account " + account + " not found."}
	if tg.differs(t, "K5-body") {
		want["message"] = got["message"]
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("error body = %v, want %v", got, want)
	}
	if resp.Header.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId header")
	}
}

// shardFor finds the shard whose range holds the MD5 of pk.
func shardFor(t *testing.T, shards []types.Shard, hash *big.Int) string {
	t.Helper()
	for _, sh := range shards {
		lo, _ := new(big.Int).SetString(*sh.HashKeyRange.StartingHashKey, 10)
		hi, _ := new(big.Int).SetString(*sh.HashKeyRange.EndingHashKey, 10)
		if sh.SequenceNumberRange.EndingSequenceNumber == nil && hash.Cmp(lo) >= 0 && hash.Cmp(hi) <= 0 {
			return *sh.ShardId
		}
	}
	t.Fatalf("no open shard holds %s", hash)
	return ""
}

func md5Int(s string) *big.Int {
	sum := md5Sum(s)
	return new(big.Int).SetBytes(sum[:])
}

func seqInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("sequence number %q is not decimal", s)
	}
	return n
}

func TestK06HashRoutingAndSequence(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K6")
	name := uniqueName("events")
	tg.createActive(t, name, 4)
	shards := tg.shards(t, name)
	for _, pk := range []string{"p1", "p2", "tutorial", "ünïcode", "0"} {
		t.Run(pk, func(t *testing.T) {
			a := tg.put(t, name, pk, "one")
			b := tg.put(t, name, pk, "two")
			if want := shardFor(t, shards, md5Int(pk)); *a.ShardId != want || *b.ShardId != want {
				t.Fatalf("routed to %s/%s, want %s", *a.ShardId, *b.ShardId, want)
			}
			if seqInt(t, *a.SequenceNumber).Cmp(seqInt(t, *b.SequenceNumber)) >= 0 {
				t.Fatalf("sequence numbers not increasing: %s then %s", *a.SequenceNumber, *b.SequenceNumber)
			}
		})
	}
}

func TestK07ExplicitHashKey(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K7")
	name := uniqueName("events")
	tg.createActive(t, name, 2)
	ctx := context.Background()
	cases := []struct {
		name, key, wantShard, wantErr string
	}{
		{"zero", "0", "shardId-000000000000", ""},
		{"max", "340282366920938463463374607431768211455", "shardId-000000000001", ""},
		{"boundary", "170141183460469231731687303715884105728", "shardId-000000000001", ""},
		{"too big", "340282366920938463463374607431768211456", "", "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("anything"), ExplicitHashKey: &c.key, Data: []byte("x")})
			if c.wantErr != "" {
				wantAPIError(t, err, "InvalidArgumentException", c.wantErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *out.ShardId != c.wantShard {
				t.Fatalf("shard %s, want %s", *out.ShardId, c.wantShard)
			}
		})
	}
}

func TestK08PutRecords(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K8")
	name := uniqueName("events")
	tg.createActive(t, name, 2)
	ctx := context.Background()
	entries := []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("a"), Data: []byte("1")},
		{PartitionKey: aws.String("b"), Data: []byte("2")},
		{PartitionKey: aws.String("c"), Data: []byte("3")},
	}
	out, err := tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: entries})
	if err != nil {
		t.Fatal(err)
	}
	shards := tg.shards(t, name)
	if len(out.Records) != 3 || *out.FailedRecordCount != 0 {
		t.Fatalf("got %d results, %d failed", len(out.Records), *out.FailedRecordCount)
	}
	for i, r := range out.Records {
		if r.SequenceNumber == nil || r.ShardId == nil || r.ErrorCode != nil {
			t.Fatalf("result %d incomplete: %+v", i, r)
		}
		if want := shardFor(t, shards, md5Int(*entries[i].PartitionKey)); *r.ShardId != want {
			t.Fatalf("result %d on %s, want %s (results out of request order?)", i, *r.ShardId, want)
		}
	}
	// Read back: each shard holds its records in request order.
	for _, sh := range shards {
		got := tg.getRecords(t, tg.iterator(t, name, *sh.ShardId, types.ShardIteratorTypeTrimHorizon, nil), 0)
		for _, rec := range got.Records {
			i := int(rec.Data[0] - '1')
			if *rec.SequenceNumber != *out.Records[i].SequenceNumber || *rec.PartitionKey != *entries[i].PartitionKey {
				t.Errorf("record %s on %s does not match put result %d", *rec.SequenceNumber, *sh.ShardId, i)
			}
		}
	}

	many := make([]types.PutRecordsRequestEntry, 501)
	for i := range many {
		many[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("k"), Data: []byte("d")}
	}
	if tg.differs(t, "K8-limit") {
		return
	}
	_, err = tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: many})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '[")
	if !strings.Contains(err.Error(), "at 'records' failed to satisfy constraint: Member must have length less than or equal to 500") {
		t.Fatalf("message lacks the records constraint: %v", err)
	}
}

func TestK09PartialFailure(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K9")
	if tg.peer != "" {
		t.Skip("needs spk's EnforceLimits")
	}
	// A stopped clock: the three requests fall in the same second however
	// slowly they run.
	frozen := time.Now()
	srv := startLocal(t, func(o *local.Options) { o.EnforceLimits, o.Now = true, func() time.Time { return frozen } })
	client := newClient(srv.URL(), "AKIAFAKE", "secret")
	tgl := &target{url: srv.URL(), client: client}
	name := "events"
	tgl.createActive(t, name, 1)
	ctx := context.Background()
	failed, ok := 0, 0
	for round := 0; round < 3; round++ {
		batch := make([]types.PutRecordsRequestEntry, 500)
		for i := range batch {
			batch[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(fmt.Sprint(i)), Data: []byte("d")}
		}
		out, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: batch})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for i, r := range out.Records {
			if r.ErrorCode == nil {
				if r.SequenceNumber == nil || r.ShardId == nil || r.ErrorMessage != nil {
					t.Fatalf("successful entry %d malformed: %+v", i, r)
				}
				ok++
				continue
			}
			n++
			if *r.ErrorCode != "ProvisionedThroughputExceededException" || r.SequenceNumber != nil || r.ShardId != nil {
				t.Fatalf("failed entry %d malformed: %+v", i, r)
			}
			if want := "Rate exceeded for shard shardId-000000000000 in stream events under account 000000000000."; *r.ErrorMessage != want {
				t.Fatalf("error message %q, want %q", *r.ErrorMessage, want)
			}
		}
		if int(*out.FailedRecordCount) != n {
			t.Fatalf("FailedRecordCount %d, but %d entries carry an ErrorCode", *out.FailedRecordCount, n)
		}
		failed += n
	}
	if failed != 500 {
		t.Fatalf("%d of 1500 records to one shard within a second failed, want 500 (1000/s accepted)", failed)
	}
	// Exactly the accepted records are stored.
	got := tgl.getRecords(t, tgl.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil), 0)
	if len(got.Records) != ok {
		t.Fatalf("stored %d records, %d were acknowledged", len(got.Records), ok)
	}
}

func TestK10EmptyShard(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K10")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	it := tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil)
	out := tg.getRecords(t, it, 0)
	if len(out.Records) != 0 {
		t.Fatalf("got %d records from an empty shard", len(out.Records))
	}
	if *out.MillisBehindLatest != 0 {
		t.Errorf("MillisBehindLatest %d on an empty shard, want 0", *out.MillisBehindLatest)
	}
	if out.NextShardIterator == nil || *out.NextShardIterator == it {
		t.Errorf("NextShardIterator must be a new value")
	}
}

func TestK11Latest(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K11")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	tg.put(t, name, "p", "before")
	it := tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeLatest, nil)
	r1 := tg.put(t, name, "p", "r1")
	out := tg.getRecords(t, it, 0)
	if len(out.Records) != 1 || *out.Records[0].SequenceNumber != *r1.SequenceNumber {
		t.Fatalf("LATEST then put: got %d records, want just r1", len(out.Records))
	}
	again := tg.getRecords(t, *out.NextShardIterator, 0)
	if len(again.Records) != 0 {
		t.Fatalf("next iterator returned %d records, want none (r1 again?)", len(again.Records))
	}
}

func TestK12AtAfterSequenceNumber(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K12")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	r1 := tg.put(t, name, "p", "r1")
	r2 := tg.put(t, name, "p", "r2")
	cases := []struct {
		typ  types.ShardIteratorType
		want []string
	}{
		{types.ShardIteratorTypeAfterSequenceNumber, []string{*r2.SequenceNumber}},
		{types.ShardIteratorTypeAtSequenceNumber, []string{*r1.SequenceNumber, *r2.SequenceNumber}},
	}
	for _, c := range cases {
		t.Run(string(c.typ), func(t *testing.T) {
			out := tg.getRecords(t, tg.iterator(t, name, "shardId-000000000000", c.typ, r1.SequenceNumber), 0)
			var got []string
			for _, r := range out.Records {
				got = append(got, *r.SequenceNumber)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
	t.Run("other shard's number", func(t *testing.T) {
		if tg.differs(t, "K12-shard") {
			return
		}
		other := uniqueName("events")
		tg.createActive(t, other, 2)
		out, err := tg.client.PutRecord(context.Background(), &kinesis.PutRecordInput{StreamName: &other, PartitionKey: aws.String("x"), ExplicitHashKey: aws.String("0"), Data: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = tg.client.GetShardIterator(context.Background(), &kinesis.GetShardIteratorInput{StreamName: &other, ShardId: aws.String("shardId-000000000001"),
			ShardIteratorType: types.ShardIteratorTypeAtSequenceNumber, StartingSequenceNumber: out.SequenceNumber})
		wantAPIError(t, err, "InvalidArgumentException", "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001")
	})
}

func TestK13AtTimestamp(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K13")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	tg.put(t, name, "p", "r1")
	first := tg.getRecords(t, tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil), 0)
	arrival := *first.Records[0].ApproximateArrivalTimestamp
	after := arrival.Add(5 * time.Millisecond)
	eventually(t, 5*time.Second, "the clock to pass the record's arrival", func() bool { return time.Now().After(after.Add(5 * time.Millisecond)) })

	start := time.Now()
	out, err := tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: &after})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("AT_TIMESTAMP took %v", d)
	}
	if got := tg.getRecords(t, *out.ShardIterator, 0); len(got.Records) != 0 {
		t.Fatalf("AT_TIMESTAMP after every record returned %d records", len(got.Records))
	}
	// At the record's own arrival time: the record.
	out, err = tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: &arrival})
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.getRecords(t, *out.ShardIterator, 0); len(got.Records) != 1 {
		t.Fatalf("AT_TIMESTAMP at the arrival time returned %d records, want 1", len(got.Records))
	}
	future := time.Now().Add(time.Hour)
	_, err = tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"),
		ShardIteratorType: types.ShardIteratorTypeAtTimestamp, Timestamp: &future})
	wantAPIError(t, err, "InvalidArgumentException", "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis.")
}

func TestK14IteratorArguments(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K14")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	r := tg.put(t, name, "p", "r1")
	cases := []struct {
		name    string
		typ     types.ShardIteratorType
		seq     *string
		wantMsg string
	}{
		{"AT_SEQUENCE_NUMBER without number", types.ShardIteratorTypeAtSequenceNumber, nil,
			"Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber."},
		{"TRIM_HORIZON with number", types.ShardIteratorTypeTrimHorizon, r.SequenceNumber,
			"Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified TRIM_HORIZON and also a StartingSequenceNumber."},
		{"LATEST with number", types.ShardIteratorTypeLatest, r.SequenceNumber,
			"Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified LATEST and also a StartingSequenceNumber."},
		{"AT_TIMESTAMP without timestamp", types.ShardIteratorTypeAtTimestamp, nil,
			"Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := tg.client.GetShardIterator(context.Background(), &kinesis.GetShardIteratorInput{StreamName: &name, ShardId: aws.String("shardId-000000000000"), ShardIteratorType: c.typ, StartingSequenceNumber: c.seq})
			wantAPIError(t, err, "InvalidArgumentException", c.wantMsg)
		})
	}
}

func TestK15IteratorReuseAndExpiry(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K15")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	tg.put(t, name, "p", "r1")
	tg.put(t, name, "p", "r2")
	it := tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil)
	a := tg.getRecords(t, it, 0)
	b := tg.getRecords(t, it, 0)
	if len(a.Records) != 2 || len(b.Records) != 2 || *a.Records[1].SequenceNumber != *b.Records[1].SequenceNumber {
		t.Fatalf("reusing an iterator: %d then %d records", len(a.Records), len(b.Records))
	}
	t.Run("quoted", func(t *testing.T) {
		if tg.differs(t, "K15-quoted") {
			return
		}
		q := `"` + it + `"`
		out, err := tg.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: &q})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Records) != 2 {
			t.Fatalf("quoted iterator returned %d records", len(out.Records))
		}
	})
	t.Run("garbage", func(t *testing.T) {
		if tg.differs(t, "K15-garbage") {
			return
		}
		_, err := tg.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String("AAAAAAAAAAFZHnBhCTAnJdn2Nq4cc6ftm2jhu9YsbmVTqsAQQQ/KZ6jOB3nFPmKe8f1vGEaAjdtJOn0ONnTbfQpdqe5IUHJoHMh3kxmvHk1kZ0R0JzR0Ze+mM1BgBzMTZF9OcWDDaSMhWBQ8Ga05kx5Mqcm6cDGYuM5D5eW9vBEqkVcMd5Bn2XYNhdBI5+lNq5Ba2ZbsQ2B2sE=")})
		wantAPIError(t, err, "InvalidArgumentException", "Invalid ShardIterator.")
	})
	t.Run("expired", func(t *testing.T) {
		if tg.clock == nil {
			t.Skip("needs the in-process clock (a peer would need a five-minute wait)")
		}
		tg.clock.advance(301 * time.Second)
		defer tg.clock.advance(-301 * time.Second)
		_, err := tg.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: &it})
		wantAPIError(t, err, "ExpiredIteratorException", "Iterator expired. The iterator was created at time ")
	})
}

func TestK16GetRecordsLimit(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K16")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	it := tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil)
	if !tg.differs(t, "K16-validation") {
		_, err := tg.client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: &it, Limit: aws.Int32(10001)})
		wantAPIError(t, err, "ValidationException", "1 validation error detected:")
		if !strings.Contains(err.Error(), "Member must have value less than or equal to 10000") {
			t.Fatalf("message lacks the limit constraint: %v", err)
		}
	}
	var want []string
	for i := 0; i < 5; i++ {
		want = append(want, *tg.put(t, name, "p", fmt.Sprint(i)).SequenceNumber)
	}
	var got []string
	for _, n := range []int{2, 2, 1} {
		out := tg.getRecords(t, it, 2)
		if len(out.Records) != n {
			t.Fatalf("page of %d records, want %d", len(out.Records), n)
		}
		for _, r := range out.Records {
			got = append(got, *r.SequenceNumber)
		}
		it = *out.NextShardIterator
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
}

func TestK17MillisBehindLatest(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K17")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	tg.put(t, name, "p", "r1")
	if tg.clock != nil {
		tg.clock.advance(1200 * time.Millisecond)
	} else {
		time.Sleep(1200 * time.Millisecond) // a real gap between two arrivals, not synchronisation
	}
	tg.put(t, name, "p", "r2")
	first := tg.getRecords(t, tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil), 1)
	if len(first.Records) != 1 || string(first.Records[0].Data) != "r1" {
		t.Fatalf("first read: %d records", len(first.Records))
	}
	if *first.MillisBehindLatest < 1000 {
		t.Fatalf("MillisBehindLatest %d behind a record 1.2 s newer, want >= 1000", *first.MillisBehindLatest)
	}
	second := tg.getRecords(t, *first.NextShardIterator, 1)
	if len(second.Records) != 1 || string(second.Records[0].Data) != "r2" || *second.MillisBehindLatest != 0 {
		t.Fatalf("second read: %d records, MillisBehindLatest %d; want r2 and 0", len(second.Records), *second.MillisBehindLatest)
	}
}

const quarter = "85070591730234615865843651857942052864"

func TestK18SplitShard(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K18")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	before := tg.put(t, name, "p", "before")
	_, err := tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(quarter)})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusUpdating {
		t.Fatalf("status after split = %s, want UPDATING", sum.StreamDescriptionSummary.StreamStatus)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	shards := tg.shards(t, name)
	if len(shards) != 3 {
		t.Fatalf("%d shards after split, want 3", len(shards))
	}
	parent := shards[0]
	if parent.SequenceNumberRange.EndingSequenceNumber == nil {
		t.Fatal("parent has no EndingSequenceNumber")
	}
	if !tg.differs(t, "K18-ending") && seqInt(t, *parent.SequenceNumberRange.EndingSequenceNumber).Cmp(seqInt(t, *before.SequenceNumber)) < 0 {
		t.Fatal("parent's EndingSequenceNumber is below a record it holds")
	}
	wantRanges := [][2]string{{"0", "85070591730234615865843651857942052863"}, {quarter, "340282366920938463463374607431768211455"}}
	for i, c := range shards[1:] {
		if c.ParentShardId == nil || *c.ParentShardId != "shardId-000000000000" {
			t.Errorf("child %d parent = %v", i, c.ParentShardId)
		}
		if *c.HashKeyRange.StartingHashKey != wantRanges[i][0] || *c.HashKeyRange.EndingHashKey != wantRanges[i][1] {
			t.Errorf("child %d range %s…%s, want %v", i, *c.HashKeyRange.StartingHashKey, *c.HashKeyRange.EndingHashKey, wantRanges[i])
		}
	}
	if tg.differs(t, "K18-resplit") {
		return
	}
	_, err = tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(quarter)})
	wantAPIError(t, err, "InvalidArgumentException", "Shard shardId-000000000000 in stream "+name+" under account "+account+" has already been merged or split, and thus is not eligible for merging or splitting.")
}

func TestK19ReadThroughSplit(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K19")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		tg.put(t, name, fmt.Sprint(i), "before")
	}
	if _, err := tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(quarter)}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	for i := 0; i < 20; i++ {
		out := tg.put(t, name, fmt.Sprint(i), "after")
		if *out.ShardId == "shardId-000000000000" {
			t.Fatalf("record routed to the closed parent")
		}
	}
	it := tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil)
	seen := 0
	for range 20 {
		out := tg.getRecords(t, it, 0)
		seen += len(out.Records)
		if out.NextShardIterator == nil {
			if seen != 3 {
				t.Fatalf("parent returned %d records, want 3", seen)
			}
			if tg.differs(t, "K19-children") {
				return
			}
			if len(out.ChildShards) != 2 {
				t.Fatalf("%d ChildShards at the parent's end, want 2", len(out.ChildShards))
			}
			for _, c := range out.ChildShards {
				if fmt.Sprint(c.ParentShards) != "[shardId-000000000000]" || c.HashKeyRange == nil {
					t.Fatalf("child %s: parents %v range %v", *c.ShardId, c.ParentShards, c.HashKeyRange)
				}
			}
			return
		}
		it = *out.NextShardIterator
	}
	t.Fatal("reading the closed parent never ended (NextShardIterator never null)")
}

func TestK20MergeAndListShards(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "K20")
	name := uniqueName("events")
	tg.createActive(t, name, 3)
	ctx := context.Background()
	_, err := tg.client.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: &name, ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000002")})
	wantAPIError(t, err, "InvalidArgumentException", "Shards shardId-000000000000 and shardId-000000000002 in stream "+name+" under account "+account+" are not an adjacent pair of shards eligible for merging")
	if _, err := tg.client.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: &name, ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000001")}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	shards := tg.shards(t, name)
	if len(shards) != 4 {
		t.Fatalf("%d shards after merge, want 4", len(shards))
	}
	child := shards[3]
	if child.ParentShardId == nil || *child.ParentShardId != "shardId-000000000000" || child.AdjacentParentShardId == nil || *child.AdjacentParentShardId != "shardId-000000000001" {
		t.Fatalf("merged child lineage: parent %v adjacent %v", child.ParentShardId, child.AdjacentParentShardId)
	}
	if *child.HashKeyRange.StartingHashKey != *shards[0].HashKeyRange.StartingHashKey || *child.HashKeyRange.EndingHashKey != *shards[1].HashKeyRange.EndingHashKey {
		t.Fatalf("merged range %s…%s", *child.HashKeyRange.StartingHashKey, *child.HashKeyRange.EndingHashKey)
	}
	out, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, ExclusiveStartShardId: aws.String("shardId-000000000001")})
	if err != nil {
		t.Fatal(err)
	}
	if ids := shardIDs(out.Shards); ids != "[shardId-000000000002 shardId-000000000003]" {
		t.Fatalf("ListShards after shardId-000000000001 = %s", ids)
	}
	t.Run("ShardFilter AT_LATEST", func(t *testing.T) {
		if tg.differs(t, "K20-filter") {
			return
		}
		out, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
		if err != nil {
			t.Fatal(err)
		}
		if ids := shardIDs(out.Shards); ids != "[shardId-000000000002 shardId-000000000003]" {
			t.Fatalf("open shards = %s", ids)
		}
	})
	t.Run("MaxResults and NextToken", func(t *testing.T) {
		var all []types.Shard
		in := &kinesis.ListShardsInput{StreamName: &name, MaxResults: aws.Int32(3)}
		for {
			out, err := tg.client.ListShards(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out.Shards...)
			if out.NextToken == nil {
				break
			}
			in = &kinesis.ListShardsInput{NextToken: out.NextToken, MaxResults: aws.Int32(3)}
		}
		if len(all) != 4 {
			t.Fatalf("paged %d shards, want 4", len(all))
		}
		_, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, NextToken: aws.String("x")})
		wantAPIError(t, err, "InvalidArgumentException", "NextToken and StreamName cannot be provided together.")
		if tg.peer == "" {
			// The member given is the one named, as AWS names it.
			arn := tg.arn(name)
			_, err = tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamARN: &arn, NextToken: aws.String("x")})
			wantAPIError(t, err, "InvalidArgumentException", "NextToken and StreamARN cannot be provided together.")
			// An empty filter type is given, and not one of the types.
			// (The SDK takes "" for missing, so the request is sent raw.)
			resp, body := tg.rawPost(t, "Kinesis_20131202.ListShards", "application/x-amz-json-1.1", []byte(`{"StreamName":"`+name+`","ShardFilter":{"Type":""}}`))
			if resp.StatusCode != 400 || !strings.Contains(string(body), `"message":"1 validation error detected: Value '' at 'shardFilter.type' failed to satisfy constraint: Member must satisfy enum value set:`) {
				t.Fatalf("an empty filter type: %d %s", resp.StatusCode, body)
			}
		}
	})
}

func shardIDs(shards []types.Shard) string {
	var ids []string
	for _, s := range shards {
		ids = append(ids, *s.ShardId)
	}
	return fmt.Sprint(ids)
}

func TestW1WireErrors(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "W1")
	cases := []struct {
		name, target, body, wantType string
	}{
		{"empty body", "Kinesis_20131202.ListStreams", "", "SerializationException"},
		{"not JSON", "Kinesis_20131202.ListStreams", "{nope", "SerializationException"},
		{"wrong type", "Kinesis_20131202.ListStreams", `{"Limit":"ten"}`, "SerializationException"},
		{"unknown operation", "Kinesis_20131202.FlyToTheMoon", "{}", "UnknownOperationException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.wantType == "UnknownOperationException" && tg.differs(t, "W1-unknown-operation") {
				return
			}
			resp, body := tg.rawPost(t, c.target, "application/x-amz-json-1.1", []byte(c.body))
			if resp.StatusCode != 400 {
				t.Fatalf("status %d, want 400 (body %s)", resp.StatusCode, body)
			}
			var got map[string]any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("body %q is not JSON: %v", body, err)
			}
			if got["__type"] != c.wantType {
				t.Fatalf("__type %v, want %s", got["__type"], c.wantType)
			}
			if tg.peer == "" && resp.Header.Get("x-amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
		})
	}
}

func TestW2CBOR(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "W2")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	enc := func(v any) []byte {
		b, err := cbor.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	payload := []byte{0, 1, 2, 0xff, 'x'}
	resp, body := tg.rawPost(t, "Kinesis_20131202.PutRecord", "application/x-amz-cbor-1.1",
		enc(map[string]any{"StreamName": name, "PartitionKey": "p", "Data": payload}))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-amz-cbor-1.1" {
		t.Fatalf("CBOR PutRecord: status %d, content type %q, body %x", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	var put struct{ SequenceNumber, ShardId string }
	if err := cbor.Unmarshal(body, &put); err != nil || put.SequenceNumber == "" {
		t.Fatalf("CBOR PutRecord response %x: %v", body, err)
	}
	_, body = tg.rawPost(t, "Kinesis_20131202.GetShardIterator", "application/x-amz-cbor-1.1",
		enc(map[string]any{"StreamName": name, "ShardId": "shardId-000000000000", "ShardIteratorType": "TRIM_HORIZON"}))
	var it struct{ ShardIterator string }
	if err := cbor.Unmarshal(body, &it); err != nil || it.ShardIterator == "" {
		t.Fatalf("CBOR GetShardIterator response %x: %v", body, err)
	}
	_, body = tg.rawPost(t, "Kinesis_20131202.GetRecords", "application/x-amz-cbor-1.1", enc(map[string]any{"ShardIterator": it.ShardIterator}))
	var recs struct {
		Records []struct {
			Data                        []byte
			SequenceNumber              string
			ApproximateArrivalTimestamp any
		}
	}
	if err := cbor.Unmarshal(body, &recs); err != nil {
		t.Fatalf("CBOR GetRecords response %x: %v", body, err)
	}
	if len(recs.Records) != 1 || !bytes.Equal(recs.Records[0].Data, payload) || recs.Records[0].SequenceNumber != put.SequenceNumber {
		t.Fatalf("CBOR GetRecords = %+v, want the record put", recs)
	}
	// The Java SDKs read CBOR timestamps as integer epoch milliseconds.
	if ms, ok := recs.Records[0].ApproximateArrivalTimestamp.(uint64); !ok || time.Since(time.UnixMilli(int64(ms))).Abs() > time.Hour {
		t.Fatalf("CBOR ApproximateArrivalTimestamp = %#v, want epoch milliseconds", recs.Records[0].ApproximateArrivalTimestamp)
	}
	resp, body = tg.rawPost(t, "Kinesis_20131202.DescribeStream", "application/x-amz-cbor-1.1", enc(map[string]any{"StreamName": "nope-" + name}))
	var e map[string]any
	if err := cbor.Unmarshal(body, &e); err != nil || resp.StatusCode != 400 || e["__type"] != "ResourceNotFoundException" {
		t.Fatalf("CBOR error: status %d body %v (%v)", resp.StatusCode, e, err)
	}
}

func TestW3EndpointFromEnvironment(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "W3")
	for _, key := range []string{"AKIAFAKE", "AK/+=!@#$%^&*()_ÄÖ key"} {
		t.Run(key, func(t *testing.T) {
			t.Setenv("AWS_ENDPOINT_URL_KINESIS", tg.url)
			t.Setenv("AWS_ACCESS_KEY_ID", key)
			t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
			t.Setenv("AWS_REGION", "us-east-1")
			t.Setenv("AWS_CONFIG_FILE", "/dev/null")
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
			cfg, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			client := kinesis.NewFromConfig(cfg)
			if _, err := client.ListStreams(context.Background(), &kinesis.ListStreamsInput{}); err != nil {
				t.Fatalf("list streams via AWS_ENDPOINT_URL_KINESIS: %v", err)
			}
		})
	}
}

func TestListStreamsPagination(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "list-streams")
	prefix := uniqueName("page")
	for i := 0; i < 3; i++ {
		tg.createActive(t, fmt.Sprintf("%s-%d", prefix, i), 1)
	}
	ctx := context.Background()
	var names []string
	in := &kinesis.ListStreamsInput{Limit: aws.Int32(1)}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("ListStreams never stopped paging")
		}
		out, err := tg.client.ListStreams(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if !tg.differs(t, "list-streams-summaries") && len(out.StreamSummaries) != len(out.StreamNames) {
			t.Fatalf("%d summaries for %d names", len(out.StreamSummaries), len(out.StreamNames))
		}
		for _, n := range out.StreamNames {
			if strings.HasPrefix(n, prefix) {
				names = append(names, n)
			}
		}
		if !*out.HasMoreStreams {
			break
		}
		if out.NextToken != nil {
			in = &kinesis.ListStreamsInput{Limit: aws.Int32(1), NextToken: out.NextToken}
		} else {
			in = &kinesis.ListStreamsInput{Limit: aws.Int32(1), ExclusiveStartStreamName: &out.StreamNames[len(out.StreamNames)-1]}
		}
	}
	if len(names) != 3 {
		t.Fatalf("paged through %v, want 3 streams", names)
	}
}

func TestDescribeStreamShardPagination(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "describe-pagination")
	name := uniqueName("events")
	tg.createActive(t, name, 5)
	ctx := context.Background()
	var ids []string
	in := &kinesis.DescribeStreamInput{StreamName: &name, Limit: aws.Int32(2)}
	for {
		out, err := tg.client.DescribeStream(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range out.StreamDescription.Shards {
			ids = append(ids, *s.ShardId)
		}
		if !*out.StreamDescription.HasMoreShards {
			break
		}
		in.ExclusiveStartShardId = aws.String(ids[len(ids)-1])
	}
	if len(ids) != 5 || ids[4] != "shardId-000000000004" {
		t.Fatalf("paged shards %v", ids)
	}
}

func TestTags(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "tags")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	if _, err := tg.client.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: &name, Tags: map[string]string{"b": "2", "a": "1", "c": "3"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.client.RemoveTagsFromStream(ctx, &kinesis.RemoveTagsFromStreamInput{StreamName: &name, TagKeys: []string{"c"}}); err != nil {
		t.Fatal(err)
	}
	out, err := tg.client.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tag := range out.Tags {
		got = append(got, *tag.Key+"="+*tag.Value)
	}
	if fmt.Sprint(got) != "[a=1 b=2]" || *out.HasMoreTags {
		t.Fatalf("tags %v more=%v, want [a=1 b=2]", got, *out.HasMoreTags)
	}
	page, err := tg.client.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: &name, Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Tags) != 1 || !*page.HasMoreTags {
		t.Fatalf("Limit 1: %d tags, more=%v", len(page.Tags), *page.HasMoreTags)
	}
}

// TestTagCharacters: Kinesis tag keys and values allow letters, digits,
// white space and _ . / = + - % @ only — a ':' is refused, and nothing of
// the refused call is applied.
func TestTagCharacters(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "tag-characters")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	_, err := tg.client.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: &name, Tags: map[string]string{"spk:app": "x", "ok": "1"}})
	wantAPIError(t, err, "InvalidArgumentException", "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.")
	if _, err := tg.client.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: &name, Tags: map[string]string{"spk-app": "Streaming Counts_App.v1/é=+-@"}}); err != nil {
		t.Fatalf("valid characters refused: %v", err)
	}
	out, err := tg.client.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: &name})
	if err != nil || len(out.Tags) != 1 || *out.Tags[0].Key != "spk-app" {
		t.Fatalf("tags after a refused and an accepted call: %+v %v", out, err)
	}
}

func TestRetentionPeriod(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "retention")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	_, err := tg.client.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: aws.Int32(12)})
	wantAPIError(t, err, "InvalidArgumentException", "Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.")
	if _, err := tg.client.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: aws.Int32(48)}); err != nil {
		t.Fatal(err)
	}
	_, err = tg.client.IncreaseStreamRetentionPeriod(ctx, &kinesis.IncreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: aws.Int32(30)})
	wantAPIError(t, err, "InvalidArgumentException", "Requested retention period (30 hours) for stream "+name+" can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.")
	if _, err := tg.client.DecreaseStreamRetentionPeriod(ctx, &kinesis.DecreaseStreamRetentionPeriodInput{StreamName: &name, RetentionPeriodHours: aws.Int32(24)}); err != nil {
		t.Fatal(err)
	}
	sum, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if *sum.StreamDescriptionSummary.RetentionPeriodHours != 24 {
		t.Fatalf("retention %d, want 24", *sum.StreamDescriptionSummary.RetentionPeriodHours)
	}
	t.Run("records past retention are gone", func(t *testing.T) {
		if tg.clock == nil {
			t.Skip("needs the in-process clock")
		}
		tg.put(t, name, "p", "old")
		tg.clock.advance(25 * time.Hour)
		defer tg.clock.advance(-25 * time.Hour)
		fresh := tg.put(t, name, "p", "fresh")
		out := tg.getRecords(t, tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil), 0)
		if len(out.Records) != 1 || *out.Records[0].SequenceNumber != *fresh.SequenceNumber {
			t.Fatalf("TRIM_HORIZON after 25 h returned %d records, want only the fresh one", len(out.Records))
		}
	})
}

func TestStreamARNInsteadOfName(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "arn")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	arn := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	out, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamARN: &arn, PartitionKey: aws.String("p"), Data: []byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	it, err := tg.client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamARN: &arn, ShardId: out.ShardId, ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := tg.client.GetRecords(ctx, &kinesis.GetRecordsInput{StreamARN: &arn, ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Records) != 1 {
		t.Fatalf("%d records via ARN", len(recs.Records))
	}
	if _, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamARN: &arn}); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateShardCount(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "update-shard-count")
	name := uniqueName("events")
	tg.createActive(t, name, 2)
	ctx := context.Background()
	out, err := tg.client.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: &name, TargetShardCount: aws.Int32(4), ScalingType: types.ScalingTypeUniformScaling})
	if err != nil {
		t.Fatal(err)
	}
	if *out.CurrentShardCount != 2 || *out.TargetShardCount != 4 {
		t.Fatalf("current %d target %d", *out.CurrentShardCount, *out.TargetShardCount)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	if tg.peer == "" {
		_, err = tg.client.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: &name, TargetShardCount: aws.Int32(9), ScalingType: types.ScalingTypeUniformScaling})
		wantAPIError(t, err, "InvalidArgumentException", "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4 Target shard count: 9")
		_, err = tg.client.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: &name, TargetShardCount: aws.Int32(1), ScalingType: types.ScalingTypeUniformScaling})
		wantAPIError(t, err, "InvalidArgumentException", "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4 Target shard count: 1")
	}
	open, err := tg.client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: &name, ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtLatest}})
	if err != nil {
		t.Fatal(err)
	}
	if len(open.Shards) != 4 {
		t.Fatalf("%d open shards, want 4", len(open.Shards))
	}
	for _, s := range open.Shards {
		if s.ParentShardId == nil {
			t.Errorf("new shard %s has no parent", *s.ShardId)
		}
	}
}

func TestDeleteStream(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "delete")
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	tg.put(t, name, "p", "x")
	if _, err := tg.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the stream to disappear", func() bool {
		_, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		return err != nil && strings.Contains(err.Error(), "ResourceNotFoundException")
	})
	// Recreated under the same name, it holds nothing of the old stream.
	tg.createActive(t, name, 1)
	out := tg.getRecords(t, tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil), 0)
	if len(out.Records) != 0 {
		t.Fatalf("recreated stream has %d old records", len(out.Records))
	}
}

// TestExpiredShardsAreNotListed: ListShards "does not list expired shards"
// (API_ListShards), with any filter or none (FROM_TRIM_HORIZON is its
// default): once the retention period has passed a split, the parent is
// gone from its answers. DescribeStream still lists it (documented).
func TestExpiredShardsAreNotListed(t *testing.T) {
	tg := newTarget(t)
	if tg.clock == nil {
		t.Skip("needs the in-process clock")
	}
	name := uniqueName("events")
	tg.createActive(t, name, 1)
	ctx := context.Background()
	tg.put(t, name, "p", "before")
	beforeSplit := tg.clock.now()
	if _, err := tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String(quarter)}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	list := func(in kinesis.ListShardsInput) []string {
		t.Helper()
		in.StreamName = &name
		out, err := tg.client.ListShards(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{}
		for _, s := range out.Shards {
			ids = append(ids, aws.ToString(s.ShardId))
		}
		return ids
	}
	all := []string{"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"}
	children := all[1:]
	if got := list(kinesis.ListShardsInput{}); !slices.Equal(got, all) {
		t.Fatalf("ListShards within retention = %v, want %v", got, all)
	}
	tg.clock.advance(25 * time.Hour)
	defer tg.clock.advance(-25 * time.Hour)
	for _, c := range []struct {
		what string
		in   kinesis.ListShardsInput
		want []string
	}{
		{"no filter", kinesis.ListShardsInput{}, children},
		{"FROM_TRIM_HORIZON", kinesis.ListShardsInput{ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTrimHorizon}}, children},
		{"AT_TRIM_HORIZON", kinesis.ListShardsInput{ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTrimHorizon}}, children},
		{"AT_TIMESTAMP before the split", kinesis.ListShardsInput{ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeAtTimestamp, Timestamp: &beforeSplit}}, []string{}},
		{"FROM_TIMESTAMP before the split", kinesis.ListShardsInput{ShardFilter: &types.ShardFilter{Type: types.ShardFilterTypeFromTimestamp, Timestamp: &beforeSplit}}, children},
		{"MaxResults 1", kinesis.ListShardsInput{MaxResults: aws.Int32(1)}, children[:1]},
	} {
		if got := list(c.in); !slices.Equal(got, c.want) {
			t.Errorf("ListShards with %s after retention = %v, want %v", c.what, got, c.want)
		}
	}
	d, err := tg.client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(d.StreamDescription.Shards); n != 3 {
		t.Fatalf("DescribeStream after retention lists %d shards, want 3", n)
	}
}
