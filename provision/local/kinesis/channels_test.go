package kinesis_test

// Conformance cases for channels (CreateChannel, DescribeChannel,
// ListChannels, UpdateChannel, DeleteChannel): configuration only, as spk
// delivers nothing.

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	local "github.com/spk-cli/spk/provision/local"
)

func init() {
	for _, peer := range []string{"kinesalite", "kinesis-local"} {
		peerSkips[peer]["channels"] = "does not implement CreateChannel"
	}
}

func (tg *target) channelARN(name string) string {
	return "arn:aws:kinesis:us-east-1:" + account + ":channel/" + name
}

func s3Channel(name, streamARN string) *kinesis.CreateChannelInput {
	return &kinesis.CreateChannelInput{
		ChannelName:             &name,
		ServiceExecutionRoleARN: aws.String("arn:aws:iam::" + account + ":role/deliver"),
		StreamConfigurationList: []types.ChannelStreamConfiguration{{StreamARN: &streamARN, RecordConfiguration: &types.RecordConfiguration{RecordFormatType: types.RecordFormatTypeJson}}},
		S3DestinationConfiguration: &types.S3DestinationConfiguration{
			StorageConfiguration:   &types.S3StorageConfiguration{BucketARN: aws.String("arn:aws:s3:::bucket"), ExpectedBucketOwner: aws.String(account), CompressionType: types.S3CompressionTypeGzip},
			DataFreshnessInSeconds: aws.Int32(300),
		},
		Tags: map[string]string{"team": "data"},
	}
}

func (tg *target) channelStatus(t *testing.T, arn string) types.ChannelStatus {
	t.Helper()
	out, err := tg.client.DescribeChannel(context.Background(), &kinesis.DescribeChannelInput{ChannelARN: &arn})
	if err != nil {
		t.Fatal(err)
	}
	return out.ChannelDescription.ChannelStatus
}

func TestChannels(t *testing.T) {
	tg := newTarget(t)
	tg.skipOn(t, "channels")
	ctx := context.Background()
	od, prov := uniqueName("chan-od"), uniqueName("chan-prov")
	tg.createOnDemand(t, od)
	tg.createActive(t, prov, 1)
	name := uniqueName("chan")
	arn := tg.channelARN(name)
	created, err := tg.client.CreateChannel(ctx, s3Channel(name, tg.arn(od)))
	if err != nil {
		t.Fatal(err)
	}
	d := created.ChannelDescription
	if aws.ToString(d.ChannelARN) != arn || aws.ToString(d.ChannelName) != name || aws.ToString(d.ChannelId) == "" || d.ChannelCreationTimestamp == nil ||
		aws.ToString(d.ServiceExecutionRoleARN) != "arn:aws:iam::"+account+":role/deliver" || len(d.StreamConfigurationList) != 1 ||
		aws.ToString(d.StreamConfigurationList[0].StreamARN) != tg.arn(od) || d.StreamConfigurationList[0].StreamCreationTimestamp == nil ||
		d.StreamConfigurationList[0].RecordConfiguration.RecordFormatType != types.RecordFormatTypeJson ||
		d.S3DestinationConfiguration == nil || aws.ToInt32(d.S3DestinationConfiguration.DataFreshnessInSeconds) != 300 ||
		d.S3DestinationConfiguration.StorageConfiguration.CompressionType != types.S3CompressionTypeGzip || d.S3TablesDestinationConfiguration != nil ||
		d.LoggingConfiguration == nil || aws.ToBool(d.LoggingConfiguration.CloudWatchLogs.Enabled) {
		t.Fatalf("CreateChannel answered %+v", d)
	}
	if d.ChannelStatus != types.ChannelStatusCreating {
		t.Fatalf("a new channel is %s, want CREATING", d.ChannelStatus)
	}
	eventually(t, 10*time.Second, "the channel to be ACTIVE", func() bool { return tg.channelStatus(t, arn) == types.ChannelStatusActive })
	if n := aws.ToInt32(tg.summary(t, od).ChannelCount); n != 1 {
		t.Fatalf("ChannelCount of the source stream = %d, want 1", n)
	}
	if limits, err := tg.client.DescribeLimits(ctx, &kinesis.DescribeLimitsInput{}); err != nil || aws.ToInt32(limits.ChannelCount) != 1 {
		t.Fatalf("DescribeLimits with one channel: %v %v", limits, err)
	}
	_, err = tg.client.CreateChannel(ctx, s3Channel(name, tg.arn(od)))
	wantAPIError(t, err, "ResourceInUseException", "Channel "+name+" under account "+account+" already exists.")
	_, err = tg.client.CreateChannel(ctx, s3Channel(uniqueName("chan"), tg.arn(prov)))
	wantAPIError(t, err, "InvalidArgumentException", "Stream "+prov+" under account "+account+" is in PROVISIONED mode; channels are only supported for ON_DEMAND streams.")
	missing := uniqueName("nope")
	_, err = tg.client.CreateChannel(ctx, s3Channel(uniqueName("chan"), tg.arn(missing)))
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+missing+" under account "+account+" not found.")
	both := s3Channel(uniqueName("chan"), tg.arn(od))
	both.S3TablesDestinationConfiguration = &types.S3TablesDestinationConfiguration{
		DeadLetterQueueS3Configuration: &types.DeadLetterQueueS3Configuration{BucketARN: aws.String("arn:aws:s3:::dlq"), ExpectedBucketOwner: aws.String(account)},
		S3TablesConfigurationList: []types.S3TablesConfiguration{{TableBucketARN: aws.String("arn:aws:s3tables:us-east-1:" + account + ":bucket/t"),
			Namespace: aws.String("ns"), TableName: aws.String("events"), CompressionType: types.S3TablesCompressionTypeZstd}},
	}
	_, err = tg.client.CreateChannel(ctx, both)
	wantAPIError(t, err, "InvalidArgumentException", "Exactly one of S3DestinationConfiguration and S3TablesDestinationConfiguration must be specified.")

	tables := uniqueName("chan-tables")
	in := s3Channel(tables, tg.arn(od))
	in.S3DestinationConfiguration, in.S3TablesDestinationConfiguration = nil, both.S3TablesDestinationConfiguration
	if _, err := tg.client.CreateChannel(ctx, in); err != nil {
		t.Fatal(err)
	}
	list, err := tg.client.ListChannels(ctx, &kinesis.ListChannelsInput{StreamFilter: []types.StreamFilter{{StreamARN: aws.String(tg.arn(od))}}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]types.ChannelDestinationType{}
	for _, c := range list.ChannelSummaries {
		kinds[aws.ToString(c.ChannelName)] = c.ChannelDestinationType
		if len(c.Streams) != 1 || aws.ToString(c.Streams[0].StreamARN) != tg.arn(od) {
			t.Fatalf("summary streams %+v", c.Streams)
		}
	}
	if len(kinds) != 2 || kinds[name] != types.ChannelDestinationTypeS3 || kinds[tables] != types.ChannelDestinationTypeS3Tables {
		t.Fatalf("ListChannels by stream: %v", kinds)
	}
	page, err := tg.client.ListChannels(ctx, &kinesis.ListChannelsInput{MaxResults: aws.Int32(1), StreamFilter: []types.StreamFilter{{StreamARN: aws.String(tg.arn(od))}}})
	if err != nil || len(page.ChannelSummaries) != 1 || page.NextToken == nil {
		t.Fatalf("first page of one: %v %v", page, err)
	}
	next, err := tg.client.ListChannels(ctx, &kinesis.ListChannelsInput{MaxResults: aws.Int32(1), NextToken: page.NextToken, StreamFilter: []types.StreamFilter{{StreamARN: aws.String(tg.arn(od))}}})
	if err != nil || len(next.ChannelSummaries) != 1 || next.NextToken != nil || *next.ChannelSummaries[0].ChannelName == *page.ChannelSummaries[0].ChannelName {
		t.Fatalf("second page of one: %v %v", next, err)
	}
	other, err := tg.client.ListChannels(ctx, &kinesis.ListChannelsInput{StreamFilter: []types.StreamFilter{{StreamARN: aws.String(tg.arn(prov))}}})
	if err != nil || len(other.ChannelSummaries) != 0 {
		t.Fatalf("ListChannels of a stream without channels: %v %v", other, err)
	}

	up, err := tg.client.UpdateChannel(ctx, &kinesis.UpdateChannelInput{ChannelARN: &arn,
		S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(60)},
		LoggingConfiguration:       &types.ChannelLoggingUpdateInput{CloudWatchLogs: &types.CloudWatchLogsUpdateInput{Enabled: aws.Bool(true), LogGroupName: aws.String("g")}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := up.ChannelDescription; d.ChannelStatus != types.ChannelStatusUpdating || aws.ToInt32(d.S3DestinationConfiguration.DataFreshnessInSeconds) != 60 ||
		!aws.ToBool(d.LoggingConfiguration.CloudWatchLogs.Enabled) || aws.ToString(d.LoggingConfiguration.CloudWatchLogs.LogGroupName) != "g" {
		t.Fatalf("UpdateChannel answered %+v", d)
	}
	_, err = tg.client.UpdateChannel(ctx, &kinesis.UpdateChannelInput{ChannelARN: &arn, S3DestinationConfiguration: &types.S3DestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(90)}})
	wantAPIError(t, err, "ResourceInUseException", "Channel "+name+" under account "+account+" not ACTIVE, instead in state UPDATING")
	eventually(t, 10*time.Second, "the channel to be ACTIVE again", func() bool { return tg.channelStatus(t, arn) == types.ChannelStatusActive })
	_, err = tg.client.UpdateChannel(ctx, &kinesis.UpdateChannelInput{ChannelARN: &arn, S3TablesDestinationConfiguration: &types.S3TablesDestinationUpdateInput{DataFreshnessInSeconds: aws.Int32(90)}})
	wantAPIError(t, err, "InvalidArgumentException", "Channel "+name+" under account "+account+" does not deliver to that kind of destination.")

	if _, err := tg.client.DeleteChannel(ctx, &kinesis.DeleteChannelInput{ChannelARN: &arn}); err != nil {
		t.Fatal(err)
	}
	if got := tg.channelStatus(t, arn); got != types.ChannelStatusDeleting && tg.peer == "" {
		t.Fatalf("right after DeleteChannel: %s, want DELETING", got)
	}
	eventually(t, 10*time.Second, "the channel to be gone", func() bool {
		_, err := tg.client.DescribeChannel(ctx, &kinesis.DescribeChannelInput{ChannelARN: &arn})
		return err != nil
	})
	_, err = tg.client.DescribeChannel(ctx, &kinesis.DescribeChannelInput{ChannelARN: &arn})
	wantAPIError(t, err, "ResourceNotFoundException", "Channel "+name+" under account "+account+" not found.")
	_, err = tg.client.DeleteChannel(ctx, &kinesis.DeleteChannelInput{ChannelARN: &arn})
	wantAPIError(t, err, "ResourceNotFoundException", "Channel "+name+" under account "+account+" not found.")
	if n := aws.ToInt32(tg.summary(t, od).ChannelCount); n != 1 {
		t.Fatalf("ChannelCount after deleting one of two = %d, want 1", n)
	}
	_, err = tg.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &od})
	wantAPIError(t, err, "ResourceInUseException", "Stream "+od+" under account "+account+" has 1 channel(s); delete them before the stream.")
	tablesARN := tg.channelARN(tables)
	if _, err := tg.client.DeleteChannel(ctx, &kinesis.DeleteChannelInput{ChannelARN: &tablesARN}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the second channel to be gone", func() bool { return aws.ToInt32(tg.summary(t, od).ChannelCount) == 0 })
	if _, err := tg.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &od}); err != nil {
		t.Fatalf("DeleteStream once its channels are gone: %v", err)
	}

	st, out := tg.rawJSON(t, "CreateChannel", `{"ChannelName":"bad name","StreamConfigurationList":[{"StreamARN":"`+tg.arn(od)+`"}],"S3DestinationConfiguration":{"StorageConfiguration":{"BucketARN":"b","CompressionType":"LZ4"}}}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "5 validation errors detected: "+
		"Value 'bad name' at 'channelName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "+
		"Value null at 'serviceExecutionRoleARN' failed to satisfy constraint: Member must not be null; "+
		"Value null at 'streamConfigurationList.1.member.recordConfiguration' failed to satisfy constraint: Member must not be null; "+
		"Value null at 's3DestinationConfiguration.storageConfiguration.expectedBucketOwner' failed to satisfy constraint: Member must not be null; "+
		"Value 'LZ4' at 's3DestinationConfiguration.storageConfiguration.compressionType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, GZIP, ZSTD]")
	st, out = tg.rawJSON(t, "DescribeChannel", `{"ChannelARN":"arn:aws:kinesis:us-east-1:`+account+`:stream/x"}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value 'arn:aws:kinesis:us-east-1:"+account+":stream/x' at 'channelARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:channel/\\S+")
	st, out = tg.rawJSON(t, "DeleteChannel", `{}`)
	tg.wantDecodedError(t, st, out, "ValidationException", "1 validation error detected: Value null at 'channelARN' failed to satisfy constraint: Member must not be null")
}

// TestChannelsSurviveRestart: a channel, its settings and a state change
// under way are kept across a restart.
func TestChannelsSurviveRestart(t *testing.T) {
	if os.Getenv("SPK_CONFORMANCE_ENDPOINT") != "" {
		t.Skip("restarts spk's own endpoint")
	}
	dir := t.TempDir()
	start := func(delay time.Duration) (*local.Server, *kinesis.Client) {
		return startOnDir(t, dir, delay, delay, delay)
	}
	ctx := context.Background()
	srv, c := start(-1)
	stream := "chan-source"
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &stream, StreamModeDetails: &types.StreamModeDetails{StreamMode: types.StreamModeOnDemand}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// Channel changes stay under way until the restart.
	srv, c = start(time.Hour)
	streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + stream
	created, err := c.CreateChannel(ctx, s3Channel("kept", streamARN))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	srv, c = start(-1)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	got, err := c.DescribeChannel(ctx, &kinesis.DescribeChannelInput{ChannelARN: created.ChannelDescription.ChannelARN})
	if err != nil {
		t.Fatal(err)
	}
	d := got.ChannelDescription
	if d.ChannelStatus != types.ChannelStatusActive || aws.ToString(d.ChannelId) != aws.ToString(created.ChannelDescription.ChannelId) ||
		aws.ToInt32(d.S3DestinationConfiguration.DataFreshnessInSeconds) != 300 {
		t.Fatalf("channel after restart: %s id %s freshness %d", d.ChannelStatus, aws.ToString(d.ChannelId), aws.ToInt32(d.S3DestinationConfiguration.DataFreshnessInSeconds))
	}
}
