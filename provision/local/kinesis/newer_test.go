package kinesis_test

// Conformance cases for the newest operations: UpdateMaxRecordSize (and
// records beyond 1 MiB), UpdateStreamWarmThroughput, the account settings,
// UpdateStreamRecordDistributionStrategy and StreamId.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	bolt "go.etcd.io/bbolt"

	local "github.com/spk-cli/spk/provision/local"
	"github.com/spk-cli/spk/provision/local/store"
)

func init() {
	for _, peer := range []string{"kinesalite"} {
		for id, op := range map[string]string{
			"max-record-size": "UpdateMaxRecordSize", "warm-throughput": "UpdateStreamWarmThroughput",
			"account-settings": "UpdateAccountSettings", "record-distribution": "UpdateStreamRecordDistributionStrategy",
			"stream-id": "StreamId",
		} {
			peerSkips[peer][id] = "does not implement " + op
		}
	}
	peerSkips["kinesalite"]["put-records-10mib"] = "limits a PutRecords request to 5 MiB, AWS's limit before large records"
	for id, reason := range map[string]string{
		"record-distribution":        "does not implement UpdateStreamRecordDistributionStrategy",
		"stream-id":                  "does not implement StreamId",
		"max-record-size-default":    "leaves MaxRecordSizeInKiB out of DescribeStreamSummary until it is set",
		"put-records-over-10mib":     "does not limit the size of a PutRecords request",
		"largest-record":             "answers GetRecords over a 10 MiB record with HTTP 500",
		"max-record-size-validation": "answers MaxRecordSizeInKiB out of range with InvalidArgumentException, not ValidationException",
		"put-records-over-size":      "PutRecords takes a record over the stream's maximum record size",
		"record-over-size":           "answers a record over the stream's maximum size with InvalidArgumentException, not ValidationException",
	} {
		peerSkips["kinesis-local"][id] = reason
	}
}

// oneMiB is the default maximum record size.
const oneMiB = 1 << 20

func (tg *target) createOnDemand(t *testing.T, name string) {
	t.Helper()
	in := &kinesis.CreateStreamInput{StreamName: &name, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}
	if _, err := tg.client.CreateStream(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
	tg.waitStatus(t, name, types.StreamStatusActive)
}

// wantTooBig checks err is the ValidationException of a record's data over
// the stream's maximum record size.
func (tg *target) wantTooBig(t *testing.T, err error, field string, size, limit int) {
	t.Helper()
	if tg.differs(t, "record-over-size") {
		wantAPIError(t, err, "InvalidArgumentException", "")
		return
	}
	wantAPIError(t, err, "ValidationException", fmt.Sprintf("1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", size, size, field, limit))
}

func TestMaxRecordSize(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "max-record-size")
	ctx := context.Background()
	name := uniqueName("maxrec")
	tg.createActive(t, name, 1)
	arn := tg.arn(name)
	if got := aws.ToInt32(tg.summary(t, name).MaxRecordSizeInKiB); got != 1024 && !tg.differs(t, "max-record-size-default") {
		t.Fatalf("MaxRecordSizeInKiB of a new stream = %d, want 1024", got)
	}
	big := bytes.Repeat([]byte("x"), 2*oneMiB)
	_, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: big})
	tg.wantTooBig(t, err, "data", len(big), oneMiB)

	if _, err := tg.client.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: &arn, MaxRecordSizeInKiB: aws.Int32(2048)}); err != nil {
		t.Fatal(err)
	}
	if tg.peer == "" {
		sum := tg.summary(t, name)
		if sum.StreamStatus != types.StreamStatusUpdating || aws.ToInt32(sum.MaxRecordSizeInKiB) != 2048 {
			t.Fatalf("right after UpdateMaxRecordSize: %s %d, want UPDATING 2048", sum.StreamStatus, aws.ToInt32(sum.MaxRecordSizeInKiB))
		}
		_, err := tg.client.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: &arn, MaxRecordSizeInKiB: aws.Int32(4096)})
		wantAPIError(t, err, "ResourceInUseException", "Stream "+name+" under account "+account+" not ACTIVE, instead in state UPDATING")
	}
	tg.waitStatus(t, name, types.StreamStatusActive)
	if got := aws.ToInt32(tg.summary(t, name).MaxRecordSizeInKiB); got != 2048 {
		t.Fatalf("MaxRecordSizeInKiB = %d after the update, want 2048", got)
	}
	// The limit holds the data and the partition key together.
	fits := big[:2*oneMiB-1]
	put, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: fits})
	if err != nil {
		t.Fatalf("a 2 MiB record, key included, on a stream taking 2048 KiB: %v", err)
	}
	recs, err := tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: []types.PutRecordsRequestEntry{
		{PartitionKey: aws.String("p"), Data: fits}, {PartitionKey: aws.String("p"), Data: []byte("small")},
	}})
	if err != nil || aws.ToInt32(recs.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords with a 2 MiB record: %v %v", recs, err)
	}
	got := tg.getRecords(t, tg.iterator(t, name, *put.ShardId, types.ShardIteratorTypeAtSequenceNumber, put.SequenceNumber), 10)
	if len(got.Records) != 3 || !bytes.Equal(got.Records[0].Data, fits) || !bytes.Equal(got.Records[1].Data, fits) {
		t.Fatalf("GetRecords gave %d records", len(got.Records))
	}
	if tg.peer == "" {
		_, err = tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("pk"), Data: fits})
		wantAPIError(t, err, "InvalidArgumentException", "Record size exceeds 2097152 bytes limit: 2097151 bytes of data and a 2-byte partition key")
		_, err = tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: []types.PutRecordsRequestEntry{
			{PartitionKey: aws.String("p"), Data: []byte("small")}, {PartitionKey: aws.String("p"), Data: big},
		}})
		wantAPIError(t, err, "InvalidArgumentException", "Record 2 size exceeds 2097152 bytes limit: 2097152 bytes of data and a 1-byte partition key")
		if after := tg.getRecords(t, tg.iterator(t, name, *put.ShardId, types.ShardIteratorTypeAtSequenceNumber, put.SequenceNumber), 10); len(after.Records) != 3 {
			t.Fatalf("refused records were written: %d records", len(after.Records))
		}
	}
	over := append(big, 'x')
	_, err = tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: over})
	tg.wantTooBig(t, err, "data", len(over), 2*oneMiB)
	if !tg.differs(t, "put-records-over-size") {
		_, err = tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: []types.PutRecordsRequestEntry{{PartitionKey: aws.String("p"), Data: over}}})
		tg.wantTooBig(t, err, "records.1.member.data", len(over), 2*oneMiB)
	}

	created := uniqueName("maxrec-create")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &created, ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(10240)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &created}) })
	tg.waitStatus(t, created, types.StreamStatusActive)
	if got := aws.ToInt32(tg.summary(t, created).MaxRecordSizeInKiB); got != 10240 {
		t.Fatalf("MaxRecordSizeInKiB of a stream created with 10240 = %d", got)
	}

	missing := tg.arn(uniqueName("nope"))
	_, err = tg.client.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: &missing, MaxRecordSizeInKiB: aws.Int32(2048)})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+strings.TrimPrefix(missing, tg.arn(""))+" under account "+account+" not found.")
	if tg.differs(t, "max-record-size-validation") {
		return
	}
	st, out := tg.rawJSON(t, "UpdateMaxRecordSize", `{"StreamARN":"`+arn+`","MaxRecordSizeInKiB":1023}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value '1023' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024")
	st, out = tg.rawJSON(t, "UpdateMaxRecordSize", `{"StreamARN":"`+arn+`","MaxRecordSizeInKiB":10241}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value '10241' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value less than or equal to 10240")
	st, out = tg.rawJSON(t, "UpdateMaxRecordSize", `{"StreamARN":"`+arn+`"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must not be null")
	st, out = tg.rawJSON(t, "UpdateMaxRecordSize", `{"MaxRecordSizeInKiB":2048}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "Either StreamName or StreamARN must be provided.")
	st, out = tg.rawJSON(t, "CreateStream", `{"StreamName":"x","MaxRecordSizeInKiB":100}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value '100' at 'maxRecordSizeInKiB' failed to satisfy constraint: Member must have value greater than or equal to 1024")
}

// TestPutRecordsRequestLimit: a PutRecords request may carry up to 10 MiB.
func TestPutRecordsRequestLimit(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "put-records-10mib")
	ctx := context.Background()
	name := uniqueName("putlimit")
	tg.createActive(t, name, 1)
	entries := func(n, size int) []types.PutRecordsRequestEntry {
		out := make([]types.PutRecordsRequestEntry, n)
		for i := range out {
			out[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String("p"), Data: bytes.Repeat([]byte("y"), size)}
		}
		return out
	}
	// Ten records of 1 MiB less their one-byte partition key: 10 MiB.
	out, err := tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: entries(10, oneMiB-1)})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("PutRecords of 10 MiB: %v %v", out, err)
	}
	if !tg.differs(t, "put-records-over-10mib") {
		_, err = tg.client.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: &name, Records: append(entries(10, oneMiB-1), entries(1, 1)...)})
		wantAPIError(t, err, "InvalidArgumentException", "Records size exceeds 10 MB limit")
	}
}

func TestAccountSettings(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "account-settings")
	if tg.peer != "" {
		t.Skip("the account settings of a shared endpoint are not a fresh account's")
	}
	ctx := context.Background()
	st, out := tg.rawJSON(t, "DescribeAccountSettings", `{}`)
	if st != 200 || fmt.Sprint(out) != "map[MinimumThroughputBillingCommitment:map[Status:DISABLED]]" {
		t.Fatalf("DescribeAccountSettings of a fresh account = %d %v", st, out)
	}
	update := func(status types.MinimumThroughputBillingCommitmentInputStatus) *types.MinimumThroughputBillingCommitmentOutput {
		t.Helper()
		out, err := tg.client.UpdateAccountSettings(ctx, &kinesis.UpdateAccountSettingsInput{
			MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: status}})
		if err != nil {
			t.Fatal(err)
		}
		return out.MinimumThroughputBillingCommitment
	}
	describe := func() *types.MinimumThroughputBillingCommitmentOutput {
		t.Helper()
		out, err := tg.client.DescribeAccountSettings(ctx, &kinesis.DescribeAccountSettingsInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.MinimumThroughputBillingCommitment
	}
	before := tg.clock.now().Truncate(time.Millisecond)
	on := update(types.MinimumThroughputBillingCommitmentInputStatusEnabled)
	if on.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabled || on.StartedAt == nil || on.StartedAt.Before(before) ||
		on.EarliestAllowedEndAt == nil || !on.EarliestAllowedEndAt.Equal(on.StartedAt.Add(24*time.Hour)) || on.EndedAt != nil {
		t.Fatalf("after enabling: %s started %v earliest end %v ended %v", on.Status, on.StartedAt, on.EarliestAllowedEndAt, on.EndedAt)
	}
	if again := update(types.MinimumThroughputBillingCommitmentInputStatusEnabled); !again.StartedAt.Equal(*on.StartedAt) {
		t.Fatalf("enabling again restarted the commitment: %v, was %v", again.StartedAt, on.StartedAt)
	}
	// Disabling within the first 24 hours is put off until then, and
	// enabling again cancels that.
	ending := update(types.MinimumThroughputBillingCommitmentInputStatusDisabled)
	if ending.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd || !ending.EarliestAllowedEndAt.Equal(*on.EarliestAllowedEndAt) {
		t.Fatalf("disabling early: %s earliest end %v", ending.Status, ending.EarliestAllowedEndAt)
	}
	if d := describe(); d.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabledUntilEarliestAllowedEnd {
		t.Fatalf("DescribeAccountSettings while ending: %s", d.Status)
	}
	if back := update(types.MinimumThroughputBillingCommitmentInputStatusEnabled); back.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabled || !back.StartedAt.Equal(*on.StartedAt) {
		t.Fatalf("enabling while ending: %s started %v", back.Status, back.StartedAt)
	}
	update(types.MinimumThroughputBillingCommitmentInputStatusDisabled)
	tg.clock.advance(25 * time.Hour)
	off := describe()
	if off.Status != types.MinimumThroughputBillingCommitmentOutputStatusDisabled || off.EndedAt == nil || !off.EndedAt.Equal(*on.EarliestAllowedEndAt) || !off.StartedAt.Equal(*on.StartedAt) {
		t.Fatalf("after the earliest end: %s started %v ended %v", off.Status, off.StartedAt, off.EndedAt)
	}
	// Past the first 24 hours, disabling takes effect at once.
	again := update(types.MinimumThroughputBillingCommitmentInputStatusEnabled)
	tg.clock.advance(30 * time.Hour)
	now := tg.clock.now().Truncate(time.Millisecond)
	off = update(types.MinimumThroughputBillingCommitmentInputStatusDisabled)
	if off.Status != types.MinimumThroughputBillingCommitmentOutputStatusDisabled || !off.StartedAt.Equal(*again.StartedAt) || off.EndedAt.Before(now) {
		t.Fatalf("disabling after 30 hours: %s started %v ended %v", off.Status, off.StartedAt, off.EndedAt)
	}

	st, out = tg.rawJSON(t, "UpdateAccountSettings", `{}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'minimumThroughputBillingCommitment' failed to satisfy constraint: Member must not be null")
	st, out = tg.rawJSON(t, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{"Status":"ENABLED_UNTIL_EARLIEST_ALLOWED_END"}}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]")
	st, out = tg.rawJSON(t, "UpdateAccountSettings", `{"MinimumThroughputBillingCommitment":{}}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'minimumThroughputBillingCommitment.status' failed to satisfy constraint: Member must not be null")
}

func TestWarmThroughput(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "warm-throughput")
	if tg.peer != "" {
		t.Skip("needs the account's billing commitment, which would change a shared endpoint's account")
	}
	ctx := context.Background()
	prov, od := uniqueName("warm-prov"), uniqueName("warm-od")
	tg.createActive(t, prov, 1)
	tg.createOnDemand(t, od)
	if w := tg.summary(t, od).WarmThroughput; w != nil {
		t.Fatalf("WarmThroughput of an on-demand stream without the commitment = %+v, want none", w)
	}
	_, err := tg.client.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamName: &od, WarmThroughputMiBps: aws.Int32(100)})
	wantAPIError(t, err, "InvalidArgumentException", "Warm throughput requires the minimum throughput billing commitment to be enabled for account "+account+".")
	if _, err := tg.client.UpdateAccountSettings(ctx, &kinesis.UpdateAccountSettingsInput{
		MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: types.MinimumThroughputBillingCommitmentInputStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if w := tg.summary(t, od).WarmThroughput; w == nil || aws.ToInt32(w.TargetMiBps) != 0 || aws.ToInt32(w.CurrentMiBps) != 0 {
		t.Fatalf("WarmThroughput with the commitment = %+v, want 0 and 0", w)
	}
	if tg.summary(t, prov).WarmThroughput != nil {
		t.Fatal("a provisioned stream reports WarmThroughput")
	}
	_, err = tg.client.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamName: &prov, WarmThroughputMiBps: aws.Int32(100)})
	wantAPIError(t, err, "InvalidArgumentException", "Stream "+prov+" under account "+account+" is in PROVISIONED mode; warm throughput is only supported for ON_DEMAND streams.")

	arn := tg.arn(od)
	up, err := tg.client.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamARN: &arn, WarmThroughputMiBps: aws.Int32(100)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(up.StreamName) != od || aws.ToString(up.StreamARN) != arn || aws.ToInt32(up.WarmThroughput.TargetMiBps) != 100 || aws.ToInt32(up.WarmThroughput.CurrentMiBps) != 0 {
		t.Fatalf("UpdateStreamWarmThroughput answered %s %s %+v", aws.ToString(up.StreamName), aws.ToString(up.StreamARN), up.WarmThroughput)
	}
	sum := tg.summary(t, od)
	if sum.StreamStatus != types.StreamStatusUpdating || aws.ToInt32(sum.WarmThroughput.TargetMiBps) != 100 || aws.ToInt32(sum.WarmThroughput.CurrentMiBps) != 0 {
		t.Fatalf("while updating: %s %+v", sum.StreamStatus, sum.WarmThroughput)
	}
	_, err = tg.client.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamName: &od, WarmThroughputMiBps: aws.Int32(200)})
	wantAPIError(t, err, "ResourceInUseException", "Stream "+od+" under account "+account+" not ACTIVE, instead in state UPDATING")
	tg.waitStatus(t, od, types.StreamStatusActive)
	if w := tg.summary(t, od).WarmThroughput; aws.ToInt32(w.TargetMiBps) != 100 || aws.ToInt32(w.CurrentMiBps) != 100 {
		t.Fatalf("after the update: %+v, want 100 and 100", w)
	}
	_, err = tg.client.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamName: &od, WarmThroughputMiBps: aws.Int32(10241)})
	wantAPIError(t, err, "LimitExceededException", "Requested warm throughput of 10241 MiBps for stream "+od+" under account "+account+" exceeds the limit of 10240 MiBps.")

	created := uniqueName("warm-create")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &created, WarmThroughputMiBps: aws.Int32(50),
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	tg.waitStatus(t, created, types.StreamStatusActive)
	if w := tg.summary(t, created).WarmThroughput; aws.ToInt32(w.TargetMiBps) != 50 || aws.ToInt32(w.CurrentMiBps) != 50 {
		t.Fatalf("a stream created with 50 MiBps: %+v", w)
	}
	_, err = tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(uniqueName("warm-prov")), WarmThroughputMiBps: aws.Int32(50)})
	wantAPIError(t, err, "InvalidArgumentException", "Warm throughput is only supported for ON_DEMAND streams.")

	st, out := tg.rawJSON(t, "UpdateStreamWarmThroughput", `{"StreamName":"`+od+`","WarmThroughputMiBps":-1}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value '-1' at 'warmThroughputMiBps' failed to satisfy constraint: Member must have value greater than or equal to 0")
	st, out = tg.rawJSON(t, "UpdateStreamWarmThroughput", `{"StreamName":"`+od+`"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'warmThroughputMiBps' failed to satisfy constraint: Member must not be null")
	missing := uniqueName("nope")
	_, err = tg.client.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamName: &missing, WarmThroughputMiBps: aws.Int32(1)})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+missing+" under account "+account+" not found.")
}

func TestRecordDistributionStrategy(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "record-distribution")
	ctx := context.Background()
	prov, od := uniqueName("dist-prov"), uniqueName("dist-od")
	tg.createActive(t, prov, 2)
	tg.createOnDemand(t, od)
	if got := tg.summary(t, prov).RecordDistributionStrategy; got != "" {
		t.Fatalf("a provisioned stream reports RecordDistributionStrategy %q", got)
	}
	if got := tg.summary(t, od).RecordDistributionStrategy; got != types.RecordDistributionStrategyUserPartitionKey {
		t.Fatalf("an on-demand stream reports RecordDistributionStrategy %q, want USER_PARTITION_KEY", got)
	}
	provARN, arn := tg.arn(prov), tg.arn(od)
	_, err := tg.client.UpdateStreamRecordDistributionStrategy(ctx, &kinesis.UpdateStreamRecordDistributionStrategyInput{StreamARN: &provARN, RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
	wantAPIError(t, err, "InvalidArgumentException", "Stream "+prov+" under account "+account+" is in PROVISIONED mode; the record distribution strategy is only supported for ON_DEMAND streams.")
	if _, err := tg.client.UpdateStreamRecordDistributionStrategy(ctx, &kinesis.UpdateStreamRecordDistributionStrategyInput{StreamARN: &arn, RecordDistributionStrategy: types.RecordDistributionStrategyAuto}); err != nil {
		t.Fatal(err)
	}
	sum := tg.summary(t, od)
	if sum.StreamStatus != types.StreamStatusActive || sum.RecordDistributionStrategy != types.RecordDistributionStrategyAuto {
		t.Fatalf("after setting AUTO: %s %s, want ACTIVE AUTO (the change takes effect at once)", sum.StreamStatus, sum.RecordDistributionStrategy)
	}
	// With AUTO, records of one partition key (and explicit hash key)
	// spread over the shards.
	shardsUsed := map[string]bool{}
	for i := 0; i < 8; i++ {
		out, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &od, PartitionKey: aws.String("same"), ExplicitHashKey: aws.String("0"), Data: []byte("d")})
		if err != nil {
			t.Fatal(err)
		}
		shardsUsed[*out.ShardId] = true
	}
	if open := len(tg.shards(t, od)); len(shardsUsed) != open {
		t.Fatalf("AUTO put 8 records of one key on %d of %d shards", len(shardsUsed), open)
	}
	if _, err := tg.client.UpdateStreamRecordDistributionStrategy(ctx, &kinesis.UpdateStreamRecordDistributionStrategyInput{StreamARN: &arn, RecordDistributionStrategy: types.RecordDistributionStrategyUserPartitionKey}); err != nil {
		t.Fatal(err)
	}
	shardsUsed = map[string]bool{}
	for i := 0; i < 4; i++ {
		out, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &od, PartitionKey: aws.String("same"), Data: []byte("d")})
		if err != nil {
			t.Fatal(err)
		}
		shardsUsed[*out.ShardId] = true
	}
	if len(shardsUsed) != 1 {
		t.Fatalf("USER_PARTITION_KEY put records of one key on %d shards", len(shardsUsed))
	}
	created := uniqueName("dist-create")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &created, RecordDistributionStrategy: types.RecordDistributionStrategyAuto,
		StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &created}) })
	tg.waitStatus(t, created, types.StreamStatusActive)
	if got := tg.summary(t, created).RecordDistributionStrategy; got != types.RecordDistributionStrategyAuto {
		t.Fatalf("a stream created with AUTO reports %q", got)
	}
	_, err = tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: aws.String(uniqueName("dist-prov")), RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
	wantAPIError(t, err, "InvalidArgumentException", "The record distribution strategy is only supported for ON_DEMAND streams.")

	st, out := tg.rawJSON(t, "UpdateStreamRecordDistributionStrategy", `{"StreamARN":"`+arn+`","RecordDistributionStrategy":"RANDOM"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value 'RANDOM' at 'recordDistributionStrategy' failed to satisfy constraint: Member must satisfy enum value set: [AUTO, USER_PARTITION_KEY]")
	st, out = tg.rawJSON(t, "UpdateStreamRecordDistributionStrategy", `{"StreamName":"`+od+`","RecordDistributionStrategy":"AUTO"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'streamARN' failed to satisfy constraint: Member must not be null")
	missing := tg.arn(uniqueName("nope"))
	_, err = tg.client.UpdateStreamRecordDistributionStrategy(ctx, &kinesis.UpdateStreamRecordDistributionStrategyInput{StreamARN: &missing, RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+strings.TrimPrefix(missing, tg.arn(""))+" under account "+account+" not found.")
}

var streamIDForm = regexp.MustCompile(`^[a-z0-9]{20}-[a-z0-9]{3}$`)

func TestStreamID(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "stream-id")
	a, b := uniqueName("id-a"), uniqueName("id-b")
	tg.createActive(t, a, 1)
	tg.createActive(t, b, 1)
	idA, idB := aws.ToString(tg.summary(t, a).StreamId), aws.ToString(tg.summary(t, b).StreamId)
	if !streamIDForm.MatchString(idA) || !streamIDForm.MatchString(idB) || idA == idB {
		t.Fatalf("StreamIds %q and %q", idA, idB)
	}
	// The AWS SDKs send a request carrying a StreamId to a host named by
	// the id (their endpoint rules), not to a custom endpoint, so these
	// requests are made by hand.
	st, out := tg.rawJSON(t, "DescribeStreamSummary", `{"StreamId":"`+idB+`"}`)
	if st != 200 || out["StreamDescriptionSummary"].(map[string]any)["StreamName"] != b {
		t.Fatalf("DescribeStreamSummary by StreamId: %d %v", st, out)
	}
	st, out = tg.rawJSON(t, "PutRecord", `{"StreamId":"`+idA+`","PartitionKey":"p","Data":"YnkgaWQ="}`)
	if st != 200 {
		t.Fatalf("PutRecord by StreamId: %d %v", st, out)
	}
	shard := out["ShardId"].(string)
	st, out = tg.rawJSON(t, "PutRecords", `{"StreamId":"`+idA+`","Records":[{"PartitionKey":"p","Data":"dHdv"}]}`)
	if st != 200 || out["FailedRecordCount"] != float64(0) {
		t.Fatalf("PutRecords by StreamId: %d %v", st, out)
	}
	st, out = tg.rawJSON(t, "GetShardIterator", `{"StreamId":"`+idA+`","ShardId":"`+shard+`","ShardIteratorType":"TRIM_HORIZON"}`)
	if st != 200 {
		t.Fatalf("GetShardIterator by StreamId: %d %v", st, out)
	}
	if got := tg.getRecords(t, out["ShardIterator"].(string), 10); len(got.Records) != 2 || string(got.Records[0].Data) != "by id" {
		t.Fatalf("records put by StreamId: %v", got.Records)
	}
	st, out = tg.rawJSON(t, "ListShards", `{"StreamId":"`+idA+`"}`)
	if st != 200 || len(out["Shards"].([]any)) != 1 {
		t.Fatalf("ListShards by StreamId: %d %v", st, out)
	}
	if st, out = tg.rawJSON(t, "UpdateMaxRecordSize", `{"StreamId":"`+idA+`","MaxRecordSizeInKiB":2048}`); st != 200 {
		t.Fatalf("UpdateMaxRecordSize by StreamId: %d %v", st, out)
	}
	tg.waitStatus(t, a, types.StreamStatusActive)
	if got := aws.ToInt32(tg.summary(t, a).MaxRecordSizeInKiB); got != 2048 {
		t.Fatalf("UpdateMaxRecordSize by StreamId left %d", got)
	}
	// A record that size, put by StreamId alone, is taken.
	big := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("b"), 2*oneMiB-1)) // and the key
	if st, out = tg.rawJSON(t, "PutRecords", `{"StreamId":"`+idA+`","Records":[{"PartitionKey":"p","Data":"`+big+`"}]}`); st != 200 || out["FailedRecordCount"] != float64(0) {
		t.Fatalf("a 2 MiB record put by StreamId: %d %v", st, out["__type"])
	}
	// A StreamName or StreamARN given beside a StreamId names the stream.
	st, out = tg.rawJSON(t, "DescribeStreamSummary", `{"StreamName":"`+a+`","StreamId":"`+idB+`"}`)
	if st != 200 || out["StreamDescriptionSummary"].(map[string]any)["StreamName"] != a {
		t.Fatalf("DescribeStreamSummary by name and another stream's id: %d %v", st, out)
	}
	st, out = tg.rawJSON(t, "DescribeStreamSummary", `{"StreamId":"aaaaaaaaaaaaaaaaaaaa-aaa"}`)
	tg.wantDecodedError(t, st, out, "ResourceNotFoundException", "Stream with StreamId aaaaaaaaaaaaaaaaaaaa-aaa under account "+account+" not found.")
	st, out = tg.rawJSON(t, "DescribeStreamSummary", `{"StreamId":"NOT-AN-ID"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value 'NOT-AN-ID' at 'streamId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}")
	st, out = tg.rawJSON(t, "DescribeStreamSummary", `{"StreamId":"aaaaaaaaaaaaaaaaaaaa-aaaa"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "2 validation errors detected: Value 'aaaaaaaaaaaaaaaaaaaa-aaaa' at 'streamId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-z0-9]{20}-[a-z0-9]{3}; Value 'aaaaaaaaaaaaaaaaaaaa-aaaa' at 'streamId' failed to satisfy constraint: Member must have length less than or equal to 24")
}

// TestNewerSettingsSurviveRestart stops the endpoint with a stream
// UPDATING to a new maximum record size and every other new setting made,
// and checks a restart keeps them; a stream kept by an older spk, without
// a StreamId, gets one at the next start and keeps it.
func TestNewerSettingsSurviveRestart(t *testing.T) {
	if os.Getenv("SPK_CONFORMANCE_ENDPOINT") != "" {
		t.Skip("restarts spk's own endpoint")
	}
	dir := t.TempDir()
	start := func(updateDelay time.Duration) (*local.Server, *kinesis.Client) {
		return startOnDir(t, dir, -1, -1, updateDelay)
	}
	ctx := context.Background()
	summary := func(c *kinesis.Client, name string) *types.StreamDescriptionSummary {
		t.Helper()
		out, err := c.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		if err != nil {
			t.Fatal(err)
		}
		return out.StreamDescriptionSummary
	}
	srv, c := start(-1)
	a, od, old := "newer-a", "newer-od", "newer-old"
	arnOD := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + od
	for _, in := range []*kinesis.CreateStreamInput{
		{StreamName: &a, ShardCount: aws.Int32(1)},
		{StreamName: &od, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}},
		{StreamName: &old, ShardCount: aws.Int32(1)},
	} {
		if _, err := c.CreateStream(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	steps := []func() error{
		func() error {
			_, err := c.UpdateAccountSettings(ctx, &kinesis.UpdateAccountSettingsInput{
				MinimumThroughputBillingCommitment: &types.MinimumThroughputBillingCommitmentInput{Status: types.MinimumThroughputBillingCommitmentInputStatusEnabled}})
			return err
		},
		func() error {
			_, err := c.UpdateStreamWarmThroughput(ctx, &kinesis.UpdateStreamWarmThroughputInput{StreamName: &od, WarmThroughputMiBps: aws.Int32(75)})
			return err
		},
		func() error {
			_, err := c.UpdateStreamRecordDistributionStrategy(ctx, &kinesis.UpdateStreamRecordDistributionStrategyInput{StreamARN: &arnOD, RecordDistributionStrategy: types.RecordDistributionStrategyAuto})
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	idA := aws.ToString(summary(c, a).StreamId)
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The next update stays UPDATING until the restart.
	srv, c = start(time.Hour)
	account0, err := c.DescribeAccountSettings(ctx, &kinesis.DescribeAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateMaxRecordSize(ctx, &kinesis.UpdateMaxRecordSizeInput{StreamARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/" + a), MaxRecordSizeInKiB: aws.Int32(3072)}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Take the StreamId away from one stream, as an older spk kept it.
	db, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("kinesis/streams"))
		var m map[string]any
		if err := json.Unmarshal(b.Get([]byte(old)), &m); err != nil {
			return err
		}
		delete(m, "id")
		v, err := json.Marshal(m)
		if err != nil {
			return err
		}
		return b.Put([]byte(old), v)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	srv, c = start(-1)
	sa := summary(c, a)
	if sa.StreamStatus != types.StreamStatusActive || aws.ToInt32(sa.MaxRecordSizeInKiB) != 3072 || aws.ToString(sa.StreamId) != idA {
		t.Fatalf("stream a after restart: %s %d id %s, want ACTIVE 3072 id %s", sa.StreamStatus, aws.ToInt32(sa.MaxRecordSizeInKiB), aws.ToString(sa.StreamId), idA)
	}
	so := summary(c, od)
	if so.WarmThroughput == nil || aws.ToInt32(so.WarmThroughput.TargetMiBps) != 75 || aws.ToInt32(so.WarmThroughput.CurrentMiBps) != 75 || so.RecordDistributionStrategy != types.RecordDistributionStrategyAuto {
		t.Fatalf("on-demand stream after restart: %+v %s", so.WarmThroughput, so.RecordDistributionStrategy)
	}
	account1, err := c.DescribeAccountSettings(ctx, &kinesis.DescribeAccountSettingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if m0, m1 := account0.MinimumThroughputBillingCommitment, account1.MinimumThroughputBillingCommitment; m1.Status != types.MinimumThroughputBillingCommitmentOutputStatusEnabled || !m1.StartedAt.Equal(*m0.StartedAt) {
		t.Fatalf("account settings after restart: %s %v, want ENABLED %v", m1.Status, m1.StartedAt, m0.StartedAt)
	}
	given := aws.ToString(summary(c, old).StreamId)
	if !streamIDForm.MatchString(given) {
		t.Fatalf("a stream kept without a StreamId got %q", given)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	srv, c = start(-1)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	if again := aws.ToString(summary(c, old).StreamId); again != given {
		t.Fatalf("the StreamId given at start-up changed from %s to %s on the next start", given, again)
	}
}

// TestLargestRecord puts a record of the largest size, 10 MiB, and reads
// it back: a GetRecords answer carries it alone.
func TestLargestRecord(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "max-record-size")
	tg.skipOn(t, "largest-record")
	ctx := context.Background()
	name := uniqueName("largest")
	if _, err := tg.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(10240)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
	tg.waitStatus(t, name, types.StreamStatusActive)
	big := bytes.Repeat([]byte("z"), 10*oneMiB-1) // and the key
	put, err := tg.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: big})
	if err != nil {
		t.Fatal(err)
	}
	tg.put(t, name, "p", "after")
	got := tg.getRecords(t, tg.iterator(t, name, *put.ShardId, types.ShardIteratorTypeTrimHorizon, nil), 10)
	if len(got.Records) != 1 || !bytes.Equal(got.Records[0].Data, big) {
		t.Fatalf("first GetRecords: %d records", len(got.Records))
	}
	next := tg.getRecords(t, *got.NextShardIterator, 10)
	if len(next.Records) != 1 || string(next.Records[0].Data) != "after" {
		t.Fatalf("second GetRecords: %d records", len(next.Records))
	}
}

// TestLargeRecordThroughput: with spk's EnforceLimits, a record over 1 MiB
// is admitted when the shard has a full second of write capacity, and
// uses it up.
func TestLargeRecordThroughput(t *testing.T) {
	if os.Getenv("SPK_CONFORMANCE_ENDPOINT") != "" {
		t.Skip("needs spk's EnforceLimits")
	}
	frozen := time.Now()
	srv := startLocal(t, func(o *local.Options) { o.EnforceLimits, o.Now = true, func() time.Time { return frozen } })
	tgl := &target{url: srv.URL(), client: newClient(srv.URL(), "AKIAFAKE", "secret")}
	ctx := context.Background()
	name := "large"
	if _, err := tgl.client.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1), MaxRecordSizeInKiB: aws.Int32(4096)}); err != nil {
		t.Fatal(err)
	}
	tgl.waitStatus(t, name, types.StreamStatusActive)
	if _, err := tgl.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: bytes.Repeat([]byte("x"), 3*oneMiB)}); err != nil {
		t.Fatalf("a 3 MiB record on an idle shard: %v", err)
	}
	_, err := tgl.client.PutRecord(ctx, &kinesis.PutRecordInput{StreamName: &name, PartitionKey: aws.String("p"), Data: []byte("x")})
	wantAPIError(t, err, "ProvisionedThroughputExceededException", "Rate exceeded for shard shardId-000000000000 in stream large under account "+account+".")
}

// TestNewerMembersInCBOR: CreateStream's new members are read, and
// DescribeStreamSummary's written, in CBOR as in JSON.
func TestNewerMembersInCBOR(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "max-record-size")
	name := uniqueName("cbor-newer")
	resp, body := tg.rawPost(t, "Kinesis_20131202.CreateStream", "application/x-amz-cbor-1.1", cborBody(t, map[string]any{"StreamName": name, "ShardCount": 1, "MaxRecordSizeInKiB": 2048}))
	if resp.StatusCode != 200 {
		t.Fatalf("CreateStream in CBOR: %d %q", resp.StatusCode, body)
	}
	t.Cleanup(func() { tg.client.DeleteStream(context.Background(), &kinesis.DeleteStreamInput{StreamName: &name}) })
	tg.waitStatus(t, name, types.StreamStatusActive)
	resp, body = tg.rawPost(t, "Kinesis_20131202.DescribeStreamSummary", "application/x-amz-cbor-1.1", cborBody(t, map[string]any{"StreamName": name}))
	var out struct {
		StreamDescriptionSummary struct {
			MaxRecordSizeInKiB int
			StreamName         string
		}
	}
	if resp.StatusCode != 200 || cborUnmarshal(body, &out) != nil || out.StreamDescriptionSummary.MaxRecordSizeInKiB != 2048 || out.StreamDescriptionSummary.StreamName != name {
		t.Fatalf("DescribeStreamSummary in CBOR: %d %+v", resp.StatusCode, out)
	}
}
