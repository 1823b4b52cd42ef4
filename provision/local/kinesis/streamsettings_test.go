package kinesis_test

// Conformance cases for stream settings (UpdateStreamMode, encryption,
// enhanced monitoring), DescribeLimits, the ARN-addressed tag operations
// and resource policies.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/fxamacker/cbor/v2"

	local "github.com/spk-cli/spk/provision/local"
)

func cborBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cborUnmarshal(b []byte, v any) error { return cbor.Unmarshal(b, v) }

func init() {
	for _, id := range []string{"stream-mode", "limits", "encryption", "enhanced-monitoring", "resource-tags", "resource-policy"} {
		peerSkips["kinesalite"][id] = "does not implement " + map[string]string{
			"stream-mode": "UpdateStreamMode", "limits": "DescribeLimits", "encryption": "StartStreamEncryption",
			"enhanced-monitoring": "EnableEnhancedMonitoring", "resource-tags": "TagResource", "resource-policy": "PutResourcePolicy",
		}[id]
	}
	for id, reason := range map[string]string{
		"limits-exact":              "reports its own limits (ShardLimit 100000, OnDemandStreamCountLimit 10) and counts",
		"enhanced-monitoring-order": "lists the metrics in request order, not in the order of the API's enumeration",
		"resource-tags-body":        "answers ListTagsForResource with a NextToken: null member beside Tags",
		"stream-mode-same":          "accepts UpdateStreamMode to the mode the stream already has",
		"enum-validation":           "answers a value outside an enumeration with SerializationException, not ValidationException",
		"tag-characters":            "accepts ':' in tags",
		"resource-policy-json":      "accepts a policy that is not JSON",
		"stream-mode-validation":    "answers a missing member with SerializationException, not ValidationException",
		"monitoring-active":         "changes enhanced monitoring while the stream is UPDATING",
		"resource-arn-validation":   "answers a malformed ResourceARN with InvalidArgumentException, not ValidationException",
		"resource-policy-delete":    "deleting a resource policy that does not exist is not an error",
		"record-encryption":         "gives records put unencrypted EncryptionType NONE, where spk leaves the member out",
		"resource-policy-empty":     "answers GetResourcePolicy on a stream without a policy with ResourceNotFoundException, not {\"Policy\":\"{}\"}",
	} {
		peerSkips["kinesis-local"][id] = reason
	}
}

// rawJSON posts a JSON request and decodes the JSON answer.
func (tg *target) rawJSON(t *testing.T, op, body string) (int, map[string]any) {
	t.Helper()
	resp, b := tg.rawPost(t, "Kinesis_20131202."+op, "application/x-amz-json-1.1", []byte(body))
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s answered %q: %v", op, b, err)
		}
	}
	return resp.StatusCode, out
}

// wantDecodedError checks a raw answer is the error typ with message msg (the
// message is not compared on peers that word messages differently).
func (tg *target) wantDecodedError(t *testing.T, status int, out map[string]any, typ, msg string) {
	t.Helper()
	if status != 400 || out["__type"] != typ {
		t.Fatalf("got %d %v, want 400 %s", status, out, typ)
	}
	if _, ok := peerSkips[tg.peer]["messages"]; ok {
		return
	}
	if out["message"] != msg {
		t.Fatalf("message %q, want %q", out["message"], msg)
	}
}

func (tg *target) arn(name string) string {
	return "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
}

func (tg *target) summary(t *testing.T, name string) *types.StreamDescriptionSummary {
	t.Helper()
	out, err := tg.client.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	return out.StreamDescriptionSummary
}

func TestStreamModeUpdate(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "stream-mode")
	ctx := context.Background()
	name := uniqueName("mode")
	tg.createActive(t, name, 1)
	arn := tg.arn(name)
	if _, err := tg.client.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: &arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	if tg.peer == "" {
		sum := tg.summary(t, name)
		if sum.StreamStatus != types.StreamStatusUpdating || sum.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
			t.Fatalf("right after UpdateStreamMode: %s %s, want UPDATING ON_DEMAND", sum.StreamStatus, sum.StreamModeDetails.StreamMode)
		}
		_, err := tg.client.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: &arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}})
		wantAPIError(t, err, "ResourceInUseException", "Stream "+name+" under account "+account+" not ACTIVE, instead in state UPDATING")
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	desc, err := tg.client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.StreamDescription.StreamModeDetails.StreamMode; got != types.StreamModeOnDemand {
		t.Fatalf("DescribeStream mode %s, want ON_DEMAND", got)
	}
	list, err := tg.client.ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range list.StreamSummaries {
		if *s.StreamName == name {
			found = true
			if s.StreamModeDetails.StreamMode != types.StreamModeOnDemand || *s.StreamARN != arn {
				t.Fatalf("ListStreams summary %s %s", s.StreamModeDetails.StreamMode, *s.StreamARN)
			}
		}
	}
	if !found && !tg.differs(t, "list-streams-summaries") {
		t.Fatalf("ListStreams has no summary of %s", name)
	}
	if !tg.differs(t, "reshard-on-demand") {
		// Kinesis manages an on-demand stream's shards: resharding is a
		// ValidationException, and the stream and its shards stay as
		// they were.
		refused := "Stream " + name + " under account " + account + " is in ON_DEMAND mode; this API is only supported for data streams with the provisioned capacity mode."
		_, err = tg.client.UpdateShardCount(ctx, &kinesis.UpdateShardCountInput{StreamName: &name, TargetShardCount: aws.Int32(2), ScalingType: types.ScalingTypeUniformScaling})
		wantAPIError(t, err, "ValidationException", refused)
		_, err = tg.client.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: &name, ShardToSplit: aws.String("shardId-000000000000"), NewStartingHashKey: aws.String("1000")})
		wantAPIError(t, err, "ValidationException", refused)
		_, err = tg.client.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: &name, ShardToMerge: aws.String("shardId-000000000000"), AdjacentShardToMerge: aws.String("shardId-000000000001")})
		wantAPIError(t, err, "ValidationException", refused)
		sum := tg.summary(t, name)
		if sum.StreamStatus != types.StreamStatusActive || *sum.OpenShardCount != 1 {
			t.Fatalf("after refused reshards: %s with %d open shards, want ACTIVE with 1", sum.StreamStatus, *sum.OpenShardCount)
		}
	}
	if !tg.differs(t, "stream-mode-same") {
		_, err = tg.client.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: &arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
		wantAPIError(t, err, "InvalidArgumentException", "Stream "+name+" under account "+account+" is already in ON_DEMAND mode.")
	}
	if _, err := tg.client.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: &arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeProvisioned}}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	if got := tg.summary(t, name).StreamModeDetails.StreamMode; got != types.StreamModeProvisioned {
		t.Fatalf("mode %s after switching back, want PROVISIONED", got)
	}

	missing := tg.arn(uniqueName("nope"))
	_, err = tg.client.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: &missing, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+strings.TrimPrefix(missing, tg.arn(""))+" under account "+account+" not found.")
	if !tg.differs(t, "stream-mode-validation") {
		st, out := tg.rawJSON(t, "UpdateStreamMode", `{"StreamARN":"`+arn+`"}`)
		tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'streamModeDetails' failed to satisfy constraint: Member must not be null")
		st, out = tg.rawJSON(t, "UpdateStreamMode", `{"StreamARN":"`+arn+`","StreamModeDetails":{"StreamMode":"FAST"}}`)
		tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value 'FAST' at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]")
		st, out = tg.rawJSON(t, "UpdateStreamMode", `{"StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`)
		tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null")
	}
}

func TestDescribeLimits(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "limits")
	ctx := context.Background()
	before, err := tg.client.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !tg.differs(t, "limits-exact") {
		st, out := tg.rawJSON(t, "DescribeLimits", `{}`)
		if st != 200 || fmt.Sprint(out) != "map[ChannelCount:0 OnDemandStreamCount:0 OnDemandStreamCountLimit:50 OpenShardCount:0 ShardLimit:20000]" {
			t.Fatalf("DescribeLimits on a fresh endpoint = %d %v", st, out)
		}
	}
	tg.createActive(t, uniqueName("limits"), 3)
	od := uniqueName("limits-od")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &od, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &od}) })
	tg.waitStatus(t, od, types.StreamStatusActive)
	odShards := int32(len(tg.shards(t, od)))
	after, err := tg.client.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !tg.differs(t, "limits-exact") && (*after.ShardLimit != 20000 || *after.OnDemandStreamCountLimit != 50) {
		t.Errorf("ShardLimit %d OnDemandStreamCountLimit %d, want 20000 and 50", *after.ShardLimit, *after.OnDemandStreamCountLimit)
	}
	if !tg.differs(t, "limits-exact") {
		if got := *after.OpenShardCount - *before.OpenShardCount; got != 3+odShards {
			t.Errorf("OpenShardCount grew by %d, want %d", got, 3+odShards)
		}
		if got := *after.OnDemandStreamCount - *before.OnDemandStreamCount; got != 1 {
			t.Errorf("OnDemandStreamCount grew by %d, want 1", got)
		}
	}
}

func TestStreamEncryption(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "encryption")
	ctx := context.Background()
	name := uniqueName("enc")
	tg.createActive(t, name, 1)
	key := "alias/aws/kinesis"
	if _, err := tg.client.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: &name, EncryptionType: types.EncryptionTypeKms, KeyId: &key}); err != nil {
		t.Fatal(err)
	}
	if tg.peer == "" {
		sum := tg.summary(t, name)
		if sum.StreamStatus != types.StreamStatusUpdating {
			t.Fatalf("status %s right after StartStreamEncryption, want UPDATING", sum.StreamStatus)
		}
		_, err := tg.client.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamName: &name, EncryptionType: types.EncryptionTypeKms, KeyId: &key})
		wantAPIError(t, err, "ResourceInUseException", "Stream "+name+" under account "+account+" not ACTIVE, instead in state UPDATING")
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	sum := tg.summary(t, name)
	if sum.EncryptionType != types.EncryptionTypeKms || aws.ToString(sum.KeyId) != key {
		t.Fatalf("summary encryption %s key %v, want KMS %s", sum.EncryptionType, aws.ToString(sum.KeyId), key)
	}
	desc, err := tg.client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	if d := desc.StreamDescription; d.EncryptionType != types.EncryptionTypeKms || aws.ToString(d.KeyId) != key {
		t.Fatalf("description encryption %s key %v, want KMS %s", d.EncryptionType, aws.ToString(d.KeyId), key)
	}
	// Records put while encrypted say so, in the put's answer and in GetRecords.
	if put := tg.put(t, name, "p", "secret"); put.EncryptionType != types.EncryptionTypeKms {
		t.Errorf("PutRecord EncryptionType %s on an encrypted stream, want KMS", put.EncryptionType)
	}
	puts, err := tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("p"), Data: []byte("more")}}})
	if err != nil {
		t.Fatal(err)
	}
	if puts.EncryptionType != types.EncryptionTypeKms {
		t.Errorf("PutRecords EncryptionType %s on an encrypted stream, want KMS", puts.EncryptionType)
	}
	if _, err := tg.client.StopStreamEncryption(ctx, &kinesis.StopStreamEncryptionInput{StreamARN: aws.String(tg.arn(name)), EncryptionType: types.EncryptionTypeKms, KeyId: &key}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	if put := tg.put(t, name, "p", "plain"); put.EncryptionType != types.EncryptionTypeNone {
		t.Errorf("PutRecord EncryptionType %s after StopStreamEncryption, want NONE", put.EncryptionType)
	}
	recs := tg.getRecords(t, tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil), 0).Records
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Data)+":"+string(r.EncryptionType))
	}
	if want := "[secret:KMS more:KMS plain:]"; fmt.Sprint(got) != want && !tg.differs(t, "record-encryption") {
		t.Errorf("records %v, want %s", got, want)
	}
	// CBOR answers carry the same.
	if tg.peer == "" {
		it := tg.iterator(t, name, "shardId-000000000000", types.ShardIteratorTypeTrimHorizon, nil)
		resp, body := tg.rawPost(t, "Kinesis_20131202.GetRecords", "application/x-amz-cbor-1.1", cborBody(t, map[string]any{"ShardIterator": it}))
		var out struct {
			Records []struct{ EncryptionType string }
		}
		if resp.StatusCode != 200 || cborUnmarshal(body, &out) != nil || len(out.Records) != 3 || out.Records[0].EncryptionType != "KMS" || out.Records[2].EncryptionType != "" {
			t.Errorf("CBOR GetRecords: %d %+v", resp.StatusCode, out)
		}
	}
	if sum := tg.summary(t, name); sum.EncryptionType != types.EncryptionTypeNone || sum.KeyId != nil {
		t.Fatalf("after StopStreamEncryption: %s key %v, want NONE and no key", sum.EncryptionType, aws.ToString(sum.KeyId))
	}

	missing := uniqueName("nope")
	_, err = tg.client.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: &missing, EncryptionType: types.EncryptionTypeKms, KeyId: &key})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+missing+" under account "+account+" not found.")
	if !tg.differs(t, "encryption-validation") {
		st, out := tg.rawJSON(t, "StartStreamEncryption", `{"StreamName":"`+name+`","EncryptionType":"NONE","KeyId":"k"}`)
		tg.wantDecodedError(t, st, out, "InvalidArgumentException", "Encryption type NONE is not supported; the only valid value is KMS.")
	}
	if !tg.differs(t, "enum-validation") {
		st, out := tg.rawJSON(t, "StartStreamEncryption", `{"StreamName":"`+name+`","EncryptionType":"AES"}`)
		tg.wantDecodedError(t, st, out, "ValidationException", "2 validation errors detected: Value 'AES' at 'encryptionType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, KMS]; Value null at 'keyId' failed to satisfy constraint: Member must not be null")
	}
}

// TestEncryptionBeginsWhenActive: records written while an encryption
// change is UPDATING are written as before it, as the StartStreamEncryption
// reference says ("Once the status of the stream is ACTIVE, encryption
// begins"): a program waiting for KMS in PutRecord's answer waits for ACTIVE.
func TestEncryptionBeginsWhenActive(t *testing.T) {
	srv := startLocal(t, func(o *local.Options) { o.CreateDelay, o.UpdateDelay = -1, time.Minute })
	client := newClient(srv.URL(), "AKIAFAKE", "secret")
	ctx := context.Background()
	name := "enc"
	if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: &name, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("alias/aws/kinesis")}); err != nil {
		t.Fatal(err)
	}
	put, err := client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("x")})
	if err != nil || put.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("PutRecord while the encryption change is UPDATING: %v %v, want NONE", put, err)
	}
	puts, err := client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("p"), Data: []byte("y")}}})
	if err != nil || puts.EncryptionType != types.EncryptionTypeNone {
		t.Fatalf("PutRecords while the encryption change is UPDATING: %v %v, want NONE", puts, err)
	}
	sum, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil || sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusUpdating {
		t.Fatalf("the stream is %v %v, want it still UPDATING", sum, err)
	}
}

func TestEnhancedMonitoring(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "enhanced-monitoring")
	ctx := context.Background()
	name := uniqueName("mon")
	tg.createActive(t, name, 1)
	arn := tg.arn(name)
	st, out := tg.rawJSON(t, "EnableEnhancedMonitoring", `{"StreamName":"`+name+`","ShardLevelMetrics":["OutgoingRecords","IncomingBytes"]}`)
	want := fmt.Sprintf("%d map[CurrentShardLevelMetrics:[] DesiredShardLevelMetrics:[IncomingBytes OutgoingRecords] StreamARN:%s StreamName:%s]", 200, arn, name)
	if got := fmt.Sprint(st, " ", out); got != want && !tg.differs(t, "enhanced-monitoring-order") {
		t.Fatalf("EnableEnhancedMonitoring = %s, want %s", got, want)
	}
	all, err := tg.client.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamARN: &arn, ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.CurrentShardLevelMetrics) != 2 || len(all.DesiredShardLevelMetrics) != 7 || *all.StreamName != name || *all.StreamARN != arn {
		t.Fatalf("enable ALL: current %v desired %v", all.CurrentShardLevelMetrics, all.DesiredShardLevelMetrics)
	}
	dis, err := tg.client.DisableEnhancedMonitoring(ctx, &kinesis.DisableEnhancedMonitoringInput{StreamName: &name, ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingBytes, types.MetricsNameIteratorAgeMilliseconds}})
	if err != nil {
		t.Fatal(err)
	}
	wantDesired := "[IncomingRecords OutgoingBytes OutgoingRecords WriteProvisionedThroughputExceeded ReadProvisionedThroughputExceeded]"
	if len(dis.CurrentShardLevelMetrics) != 7 || fmt.Sprint(dis.DesiredShardLevelMetrics) != wantDesired {
		t.Fatalf("disable: current %v desired %v, want 7 and %s", dis.CurrentShardLevelMetrics, dis.DesiredShardLevelMetrics, wantDesired)
	}
	for _, check := range []func() []types.EnhancedMetrics{
		func() []types.EnhancedMetrics { return tg.summary(t, name).EnhancedMonitoring },
		func() []types.EnhancedMetrics {
			d, err := tg.client.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: &name})
			if err != nil {
				t.Fatal(err)
			}
			return d.StreamDescription.EnhancedMonitoring
		},
	} {
		em := check()
		if len(em) != 1 || fmt.Sprint(em[0].ShardLevelMetrics) != wantDesired {
			t.Fatalf("EnhancedMonitoring %v, want [%s]", em, wantDesired)
		}
	}
	dis, err = tg.client.DisableEnhancedMonitoring(ctx, &kinesis.DisableEnhancedMonitoringInput{StreamName: &name, ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(dis.DesiredShardLevelMetrics) != 0 {
		t.Fatalf("disable ALL left %v", dis.DesiredShardLevelMetrics)
	}

	missing := uniqueName("nope")
	_, err = tg.client.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: &missing, ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+missing+" under account "+account+" not found.")
	if !tg.differs(t, "enum-validation") {
		st, out = tg.rawJSON(t, "EnableEnhancedMonitoring", `{"StreamName":"`+name+`","ShardLevelMetrics":["Bogus"]}`)
		tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value '[Bogus]' at 'shardLevelMetrics' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, IteratorAgeMilliseconds, ALL]]")
	}
	if !tg.differs(t, "monitoring-active") {
		if _, err := tg.client.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: &arn, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
			t.Fatal(err)
		}
		_, err = tg.client.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: &name, ShardLevelMetrics: []types.MetricsName{types.MetricsNameAll}})
		wantAPIError(t, err, "ResourceInUseException", "Stream "+name+" under account "+account+" not ACTIVE, instead in state UPDATING")
		tg.waitStatus(t, name, types.StreamStatusActive)
	}
}

func TestResourceTags(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "resource-tags")
	ctx := context.Background()
	name := uniqueName("rtags")
	tg.createActive(t, name, 1)
	arn := tg.arn(name)
	if _, err := tg.client.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: &arn, Tags: map[string]string{"team": "data", "env": "dev"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.client.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: &name, Tags: map[string]string{"cost": "7"}}); err != nil {
		t.Fatal(err)
	}
	st, out := tg.rawJSON(t, "ListTagsForResource", `{"ResourceARN":"`+arn+`"}`)
	if tg.differs(t, "resource-tags-body") {
		out = map[string]any{"Tags": out["Tags"]}
	}
	if got := fmt.Sprint(st, " ", out); got != "200 map[Tags:[map[Key:cost Value:7] map[Key:env Value:dev] map[Key:team Value:data]]]" {
		t.Fatalf("ListTagsForResource = %s", got)
	}
	if _, err := tg.client.UntagResource(ctx, &kinesis.UntagResourceInput{ResourceARN: &arn, TagKeys: []string{"env", "absent"}}); err != nil {
		t.Fatal(err)
	}
	byStream, err := tg.client.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	byARN, err := tg.client.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: &arn})
	if err != nil {
		t.Fatal(err)
	}
	render := func(tags []types.Tag) string {
		var s []string
		for _, tag := range tags {
			s = append(s, *tag.Key+"="+aws.ToString(tag.Value))
		}
		return strings.Join(s, ",")
	}
	if render(byStream.Tags) != "cost=7,team=data" || render(byARN.Tags) != "cost=7,team=data" {
		t.Fatalf("after UntagResource: by stream %s, by ARN %s; want cost=7,team=data", render(byStream.Tags), render(byARN.Tags))
	}
	if !tg.differs(t, "tag-characters") {
		_, err = tg.client.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: &arn, Tags: map[string]string{"a:b": "c"}})
		wantAPIError(t, err, "InvalidArgumentException", "Some tags contain invalid characters.")
	}

	missing := uniqueName("nope")
	_, err = tg.client.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(tg.arn(missing))})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+missing+" under account "+account+" not found.")
	_, err = tg.client.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: aws.String(arn + "/consumer/app:1700000000"), Tags: map[string]string{"a": "b"}})
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer "+name+"/app, account "+account+" not found.")
	if tg.peer == "" {
		// The ARN of another partition or account names no stream of this
		// endpoint: its tags are not the local stream's.
		for _, other := range []string{strings.Replace(arn, "arn:aws:", "arn:aws-cn:", 1), strings.Replace(arn, ":"+account+":", ":111122223333:", 1)} {
			_, err = tg.client.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: &other, Tags: map[string]string{"other": "x"}})
			wantAPIError(t, err, "ResourceNotFoundException", "Stream "+name+" under account ")
		}
		_, err = tg.client.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: aws.String(strings.Replace(arn, ":"+account+":", ":111122223333:", 1))})
		wantAPIError(t, err, "ResourceNotFoundException", "Stream "+name+" under account 111122223333 not found.")
		if byARN, err := tg.client.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: &arn}); err != nil || render(byARN.Tags) != "cost=7,team=data" {
			t.Fatalf("after tagging other ARNs: %v %v", byARN, err)
		}
	}
	if !tg.differs(t, "resource-arn-validation") {
		st, out = tg.rawJSON(t, "ListTagsForResource", `{"ResourceARN":"not-an-arn"}`)
		tg.wantDecodedError(t, st, out, "ValidationException", `1 validation error detected: Value 'not-an-arn' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\d{12}:.*stream/\S+`)
		st, out = tg.rawJSON(t, "TagResource", `{"Tags":{"a":"b"}}`)
		tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'resourceARN' failed to satisfy constraint: Member must not be null")
	}
}

func TestResourcePolicy(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "resource-policy")
	ctx := context.Background()
	name := uniqueName("policy")
	tg.createActive(t, name, 1)
	arn := tg.arn(name)
	empty := !tg.differs(t, "resource-policy-empty")
	if empty {
		st, out := tg.rawJSON(t, "GetResourcePolicy", `{"ResourceARN":"`+arn+`"}`)
		if got := fmt.Sprint(st, " ", out); got != "200 map[Policy:{}]" {
			t.Fatalf("GetResourcePolicy with none = %s, want 200 {\"Policy\":\"{}\"}", got)
		}
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"kinesis:GetRecords","Resource":"` + arn + `"}]}`
	if _, err := tg.client.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: &arn, Policy: &policy}); err != nil {
		t.Fatal(err)
	}
	got, err := tg.client.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: &arn})
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	json.Unmarshal([]byte(*got.Policy), &a)
	json.Unmarshal([]byte(policy), &b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("GetResourcePolicy = %s, want %s", *got.Policy, policy)
	}
	if !tg.differs(t, "resource-policy-json") {
		_, err = tg.client.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: &arn, Policy: aws.String("{not json")})
		wantAPIError(t, err, "InvalidArgumentException", "Policy is not a valid JSON document.")
	}
	if _, err := tg.client.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: &arn}); err != nil {
		t.Fatal(err)
	}
	if empty {
		if got, err := tg.client.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: &arn}); err != nil || *got.Policy != "{}" {
			t.Fatalf("GetResourcePolicy after delete = %v, %v; want {}", got, err)
		}
	}
	if !tg.differs(t, "resource-policy-delete") {
		_, err = tg.client.DeleteResourcePolicy(ctx, &kinesis.DeleteResourcePolicyInput{ResourceARN: &arn})
		wantAPIError(t, err, "ResourceNotFoundException", "No resource policy found for resource ARN "+arn+".")
	}
	missing := uniqueName("nope")
	_, err = tg.client.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: aws.String(tg.arn(missing))})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+missing+" under account "+account+" not found.")
}

// TestStreamSettingsSurviveRestart stops the endpoint with two streams
// UPDATING and every new setting made, and checks a restart on the same
// data directory keeps the settings and finishes the updates.
func TestStreamSettingsSurviveRestart(t *testing.T) {
	if os.Getenv("SPK_CONFORMANCE_ENDPOINT") != "" {
		t.Skip("restarts spk's own endpoint")
	}
	dir := t.TempDir()
	start := func(updateDelay time.Duration) (*local.Server, *kinesis.Client) {
		return startOnDir(t, dir, -1, -1, updateDelay)
	}
	ctx := context.Background()
	srv, c := start(time.Hour) // updates stay UPDATING until the restart
	a, b := "settings-a", "settings-b"
	arnA := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + a
	for _, n := range []string{a, b} {
		if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(n), ShardCount: aws.Int32(2)}); err != nil {
			t.Fatal(err)
		}
	}
	policy := `{"Version":"2012-10-17","Statement":[]}`
	steps := []func() error{
		func() error {
			_, err := c.EnableEnhancedMonitoring(ctx, &kinesis.EnableEnhancedMonitoringInput{StreamName: &a, ShardLevelMetrics: []types.MetricsName{types.MetricsNameIncomingRecords}})
			return err
		},
		func() error {
			_, err := c.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: &arnA, Tags: map[string]string{"team": "data"}})
			return err
		},
		func() error {
			_, err := c.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: &arnA, Policy: &policy})
			return err
		},
		func() error {
			_, err := c.StartStreamEncryption(ctx, &kinesis.StartStreamEncryptionInput{StreamName: &a, EncryptionType: types.EncryptionTypeKms, KeyId: aws.String("my-key")})
			return err
		},
		func() error {
			_, err := c.UpdateStreamMode(ctx, &kinesis.UpdateStreamModeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/" + b), StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &a, PartitionKey: aws.String("p"), Data: []byte("x"), ExplicitHashKey: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{a, b} {
		sum, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(n)})
		if err != nil || sum.StreamDescriptionSummary.StreamStatus != types.StreamStatusUpdating {
			t.Fatalf("stream %s before the restart: %v %v, want UPDATING", n, sum, err)
		}
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	// With no update delay, the interrupted updates finish during start-up.
	srv, c = start(-1)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	sumA, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &a})
	if err != nil {
		t.Fatal(err)
	}
	sa := sumA.StreamDescriptionSummary
	if sa.StreamStatus != types.StreamStatusActive || sa.EncryptionType != types.EncryptionTypeKms || aws.ToString(sa.KeyId) != "my-key" ||
		len(sa.EnhancedMonitoring) != 1 || fmt.Sprint(sa.EnhancedMonitoring[0].ShardLevelMetrics) != "[IncomingRecords]" {
		t.Fatalf("stream a after restart: %s %s key %s metrics %v", sa.StreamStatus, sa.EncryptionType, aws.ToString(sa.KeyId), sa.EnhancedMonitoring)
	}
	tags, err := c.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: &arnA})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" {
		t.Fatalf("tags after restart: %v %v", tags, err)
	}
	got, err := c.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: &arnA})
	if err != nil || *got.Policy != policy {
		t.Fatalf("policy after restart: %v %v", got, err)
	}
	it, err := c.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{StreamName: &a, ShardId: aws.String("shardId-000000000000"), ShardIteratorType: types.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	// The record put while encryption was UPDATING was written as before
	// it; one put once it is ACTIVE (after the restart) is encrypted.
	if _, err := c.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &a, PartitionKey: aws.String("p"), Data: []byte("y"), ExplicitHashKey: aws.String("0")}); err != nil {
		t.Fatal(err)
	}
	recs, err := c.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil || len(recs.Records) != 2 || recs.Records[0].EncryptionType != "" || recs.Records[1].EncryptionType != types.EncryptionTypeKms {
		t.Fatalf("records put during and after the encryption change, after restart: %v %v", recs, err)
	}
	sumB, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &b})
	if err != nil {
		t.Fatal(err)
	}
	if sb := sumB.StreamDescriptionSummary; sb.StreamStatus != types.StreamStatusActive || sb.StreamModeDetails.StreamMode != types.StreamModeOnDemand {
		t.Fatalf("stream b after restart: %s %s, want ACTIVE ON_DEMAND", sb.StreamStatus, sb.StreamModeDetails.StreamMode)
	}
	limits, err := c.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *limits.OpenShardCount != 4 || *limits.OnDemandStreamCount != 1 {
		t.Fatalf("limits after restart: %d open shards, %d on-demand streams; want 4 and 1", *limits.OpenShardCount, *limits.OnDemandStreamCount)
	}
}

// TestStreamSettingsRules: the account's 50 on-demand streams hold at
// creation as at a mode switch; UpdateStreamMode keeps the warm throughput
// it is given; a stream's tags cannot change while it is CREATING; a
// StreamModeDetails without its mode and an empty Tags map are refused in
// the API's words. Each refusal leaves nothing made or changed.
func TestStreamSettingsRules(t *testing.T) {
	ctx := context.Background()
	t.Run("on-demand streams at creation", func(t *testing.T) {
		srv := startLocal(t, func(o *local.Options) { o.CreateDelay = -1 })
		tg := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
		for i := range 50 {
			tg.wantOK(t, "CreateStream", fmt.Sprintf(`{"StreamName":"od%d","StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`, i))
		}
		tg.wantRawError(t, "CreateStream", `{"StreamName":"od50","StreamModeDetails":{"StreamMode":"ON_DEMAND"}}`, "LimitExceededException",
			"This request would exceed the on-demand stream count limit of 50 for account "+account+".")
		if st, out := tg.rawJSON(t, "DescribeLimits", `{}`); st != 200 || out["OnDemandStreamCount"] != float64(50) {
			t.Fatalf("DescribeLimits after the refusal = %d %v", st, out)
		}
		tg.wantRawError(t, "DescribeStreamSummary", `{"StreamName":"od50"}`, "ResourceNotFoundException", "Stream od50 under account "+account+" not found.")
		tg.wantOK(t, "CreateStream", `{"StreamName":"prov","ShardCount":1}`) // provisioned streams are not counted
	})
	t.Run("warm throughput with the mode", func(t *testing.T) {
		srv := startLocal(t, func(o *local.Options) { o.CreateDelay, o.UpdateDelay = -1, -1 })
		tg := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
		tg.wantOK(t, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{"Status":"ENABLED"}}`)
		tg.wantOK(t, "CreateStream", `{"StreamName":"w","ShardCount":1}`)
		arn := tg.arn("w")
		tg.wantRawError(t, "UpdateStreamMode", `{"StreamARN":"`+arn+`","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"WarmThroughputMiBps":-1}`, "ValidationException",
			"1 validation error detected: Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0")
		tg.wantOK(t, "UpdateStreamMode", `{"StreamARN":"`+arn+`","StreamModeDetails":{"StreamMode":"ON_DEMAND"},"WarmThroughputMiBps":200}`)
		if w := tg.summary(t, "w").WarmThroughput; w == nil || aws.ToInt32(w.TargetMiBps) != 200 {
			t.Fatalf("warm throughput after UpdateStreamMode: %+v, want a target of 200", w)
		}
		tg.wantRawError(t, "UpdateStreamMode", `{"StreamARN":"`+arn+`","StreamModeDetails":{"StreamMode":"PROVISIONED"},"WarmThroughputMiBps":100}`, "InvalidArgumentException",
			"Warm throughput is only supported for ON_DEMAND streams.")
		if got := tg.summary(t, "w").StreamModeDetails.StreamMode; got != types.StreamModeOnDemand {
			t.Fatalf("mode after the refusal: %s", got)
		}
	})
	t.Run("tags while CREATING", func(t *testing.T) {
		srv := startLocal(t, func(o *local.Options) { o.CreateDelay = time.Hour })
		tg := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
		tg.wantOK(t, "CreateStream", `{"StreamName":"tc","ShardCount":1,"Tags":{"a":"1"}}`)
		notActive := "Stream tc under account " + account + " not ACTIVE, instead in state CREATING"
		tg.wantRawError(t, "AddTagsToStream", `{"StreamName":"tc","Tags":{"b":"2"}}`, "ResourceInUseException", notActive)
		tg.wantRawError(t, "RemoveTagsFromStream", `{"StreamName":"tc","TagKeys":["a"]}`, "ResourceInUseException", notActive)
		tg.wantRawError(t, "TagResource", `{"ResourceARN":"`+tg.arn("tc")+`","Tags":{"c":"3"}}`, "ResourceInUseException", notActive)
		tg.wantRawError(t, "UntagResource", `{"ResourceARN":"`+tg.arn("tc")+`","TagKeys":["a"]}`, "ResourceInUseException", notActive)
		out, err := tg.client.ListTagsForStream(ctx, &kinesis.ListTagsForStreamInput{StreamName: aws.String("tc")})
		if err != nil || len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "a" {
			t.Fatalf("tags after the refusals: %+v %v, want the creation's a=1", out, err)
		}
	})
	t.Run("wording", func(t *testing.T) {
		srv := startLocal(t, nil)
		tg := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
		tg.wantRawError(t, "CreateStream", `{"StreamName":"m","ShardCount":1,"StreamModeDetails":{}}`, "ValidationException",
			"1 validation error detected: Value null at 'streamModeDetails.streamMode' failed to satisfy constraint: Member must not be null")
		tg.wantRawError(t, "CreateStream", `{"StreamName":"m","ShardCount":1,"Tags":{}}`, "ValidationException",
			"1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")
		tg.wantRawError(t, "DescribeStreamSummary", `{"StreamName":"m"}`, "ResourceNotFoundException", "Stream m under account "+account+" not found.")
	})
}

// TestStreamsChangingAtOnce: an account has at most five streams CREATING
// or DELETING at once; CreateStream past that is LimitExceededException in
// AWS's words, and leaves nothing behind.
func TestStreamsChangingAtOnce(t *testing.T) {
	ctx := context.Background()
	const refused = "This request would exceed the limit on the number of streams that can simultaneously be in CREATING or DELETING for the account " + account + ". Limit: 5."
	for _, c := range []struct {
		name   string
		tweak  func(*local.Options)
		delete bool
	}{
		{"creating", func(o *local.Options) { o.CreateDelay = time.Minute }, false},
		{"deleting", func(o *local.Options) { o.CreateDelay, o.DeleteDelay = -1, time.Minute }, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := startLocal(t, c.tweak)
			client := newClient(srv.URL(), "AKIAFAKE", "secret")
			for i := range 5 {
				name := fmt.Sprintf("s%d", i)
				if _, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
					t.Fatal(err)
				}
				if c.delete {
					if _, err := client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name}); err != nil {
						t.Fatal(err)
					}
				}
			}
			_, err := client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String("sixth"), ShardCount: aws.Int32(1)})
			wantAPIError(t, err, "LimitExceededException", refused)
			if _, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("sixth")}); !errors.As(err, new(*types.ResourceNotFoundException)) {
				t.Fatalf("the refused stream answers %v", err)
			}
			list, err := client.ListStreams(ctx, &kinesis.ListStreamsInput{})
			if err != nil || len(list.StreamNames) != 5 {
				t.Fatalf("streams %v %v, want the five", list, err)
			}
		})
	}
}
