package kinesis_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	local "github.com/spk-cli/spk/provision/local"
)

func TestEFORegisterDescribeDeregister(t *testing.T) {
	tg := efoTarget(t, true)
	ctx := context.Background()
	name := uniqueName("efo")
	tg.createActive(t, name, 1)
	streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	before := tg.clock.now().Unix()
	out, err := tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Consumer
	arnRe := regexp.MustCompile(`^arn:aws:kinesis:us-east-1:` + account + `:stream/` + name + `/consumer/reader:(\d+)$`)
	m := arnRe.FindStringSubmatch(*c.ConsumerARN)
	if m == nil {
		t.Fatalf("ConsumerARN %s", *c.ConsumerARN)
	}
	if sec, _ := strconv.ParseInt(m[1], 10, 64); sec != c.ConsumerCreationTimestamp.Unix() || sec < before {
		t.Fatalf("ARN seconds %s, creation timestamp %v (registered at or after %d)", m[1], c.ConsumerCreationTimestamp, before)
	}
	if *c.ConsumerName != "reader" || c.ConsumerStatus != types.ConsumerStatusCreating {
		t.Fatalf("registered %s in %s, want reader CREATING", *c.ConsumerName, c.ConsumerStatus)
	}
	byName, err := tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("reader")})
	if err != nil {
		t.Fatal(err)
	}
	d := byName.ConsumerDescription
	if *d.ConsumerARN != *c.ConsumerARN || *d.StreamARN != streamARN || d.ConsumerStatus != types.ConsumerStatusCreating || !d.ConsumerCreationTimestamp.Equal(*c.ConsumerCreationTimestamp) {
		t.Fatalf("described %+v", d)
	}
	tg.waitConsumer(t, *c.ConsumerARN, types.ConsumerStatusActive)

	_, err = tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("reader")})
	wantAPIError(t, err, "ResourceInUseException", "Consumer "+*c.ConsumerARN+" under stream "+name+" already exists")
	sum, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil || *sum.StreamDescriptionSummary.ConsumerCount != 1 {
		t.Fatalf("DescribeStreamSummary ConsumerCount: %v %v", err, sum)
	}

	// Validation, in AWS's words.
	_, err = tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("bad name")})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'bad name' at 'consumerName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
	_, err = tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String("stream/x"), ConsumerName: aws.String(strings.Repeat("c", 129))})
	wantAPIError(t, err, "ValidationException", "2 validation errors detected: Value 'stream/x' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+; Value '"+strings.Repeat("c", 129)+"' at 'consumerName' failed to satisfy constraint: Member must have length less than or equal to 128")
	_, err = tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: aws.String("arn:aws:kinesis:us-east-1:" + account + ":stream/" + name)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value 'arn:aws:kinesis:us-east-1:"+account+":stream/"+name+"' at 'consumerARN' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+")
	_, err = tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{StreamARN: &streamARN})
	wantAPIError(t, err, "InvalidArgumentException", "Either ConsumerARN or both ConsumerName and StreamARN must be provided.")
	_, err = tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("nobody")})
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer "+name+"/nobody, account "+account+" not found.")
	_, err = tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: aws.String(streamARN + "-missing"), ConsumerName: aws.String("reader")})
	wantAPIError(t, err, "ResourceNotFoundException", "Stream "+name+"-missing under account "+account+" not found.")

	// Deregistering: DELETING, then gone; the ARN does not come back.
	if _, err := tg.client.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	got, err := tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	if err != nil || got.ConsumerDescription.ConsumerStatus != types.ConsumerStatusDeleting {
		t.Fatalf("right after deregistering: %v %+v", err, got)
	}
	eventually(t, 20*time.Second, "the consumer to go", func() bool {
		_, err := tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: c.ConsumerARN})
		return err != nil && strings.Contains(err.Error(), "ResourceNotFoundException")
	})
	_, err = tg.client.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: c.ConsumerARN})
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer "+name+"/reader, account "+account+" not found.")
}

func TestEFOConsumerLimits(t *testing.T) {
	tg := efoTarget(t, false)
	ctx := context.Background()
	name := uniqueName("efo")
	tg.createActive(t, name, 1)
	streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	register := func(i int) (*kinesis.RegisterStreamConsumerOutput, error) {
		return tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String(fmt.Sprintf("c%02d", i))})
	}
	for batch := 0; batch < 4; batch++ {
		var arns []string
		for i := 0; i < 5; i++ {
			out, err := register(batch*5 + i)
			if err != nil {
				t.Fatalf("register %d: %v", batch*5+i, err)
			}
			arns = append(arns, *out.Consumer.ConsumerARN)
		}
		if batch == 0 {
			// At most five consumers are CREATING at once.
			_, err := register(99)
			wantAPIError(t, err, "LimitExceededException", "Only 5 consumers can be in CREATING status at the same time")
		}
		for _, arn := range arns {
			tg.waitConsumer(t, arn, types.ConsumerStatusActive)
		}
	}
	_, err := register(20)
	wantAPIError(t, err, "LimitExceededException", "Consumer limit of 20 for stream "+name+" under account "+account+" has been reached.")
}

func TestEFOListStreamConsumers(t *testing.T) {
	tg := efoTarget(t, true)
	ctx := context.Background()
	name := uniqueName("efo")
	tg.createActive(t, name, 1)
	streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	empty, err := tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN})
	if err != nil || len(empty.Consumers) != 0 || empty.NextToken != nil {
		t.Fatalf("no consumers yet: %v %+v", err, empty)
	}
	for _, n := range []string{"charlie", "alpha", "bravo"} {
		if _, err := tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String(n)}); err != nil {
			t.Fatal(err)
		}
	}
	page1, err := tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, MaxResults: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1.Consumers) != 2 || *page1.Consumers[0].ConsumerName != "alpha" || *page1.Consumers[1].ConsumerName != "bravo" || page1.NextToken == nil {
		t.Fatalf("page 1: %+v", page1)
	}
	if page1.Consumers[0].ConsumerStatus != types.ConsumerStatusCreating || page1.Consumers[0].ConsumerARN == nil || page1.Consumers[0].ConsumerCreationTimestamp == nil {
		t.Fatalf("page 1 entry: %+v", page1.Consumers[0])
	}
	page2, err := tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, NextToken: page1.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(page2.Consumers) != 1 || *page2.Consumers[0].ConsumerName != "charlie" || page2.NextToken != nil {
		t.Fatalf("page 2: %+v", page2)
	}
	all, err := tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, MaxResults: aws.Int32(10000)})
	if err != nil || len(all.Consumers) != 3 {
		t.Fatalf("MaxResults 10000: %v %+v", err, all)
	}
	// The stream's creation time may be given, not with a NextToken.
	created := tg.describeCreated(t, name)
	if out, err := tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, StreamCreationTimestamp: &created}); err != nil || len(out.Consumers) != 3 {
		t.Fatalf("with StreamCreationTimestamp: %v %+v", err, out)
	}
	_, err = tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, NextToken: page1.NextToken, StreamCreationTimestamp: &created})
	wantAPIError(t, err, "InvalidArgumentException", "NextToken and StreamCreationTimestamp cannot be provided together.")
	_, err = tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, NextToken: aws.String("garbage")})
	wantAPIError(t, err, "InvalidArgumentException", "Invalid NextToken.")
	_, err = tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, MaxResults: aws.Int32(0)})
	wantAPIError(t, err, "ValidationException", "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1")
	// Tokens last 300 seconds.
	tg.clock.advance(301 * time.Second)
	_, err = tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN, NextToken: page1.NextToken})
	wantAPIError(t, err, "ExpiredNextTokenException", "The NextToken has expired")
}

func (tg *target) describeCreated(t *testing.T, name string) time.Time {
	t.Helper()
	out, err := tg.client.DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: &name})
	if err != nil {
		t.Fatal(err)
	}
	return *out.StreamDescriptionSummary.StreamCreationTimestamp
}

func TestEFODeleteStreamWithConsumers(t *testing.T) {
	tg := efoTarget(t, false)
	ctx := context.Background()
	name, streamARN, arn := tg.efoStream(t, 1)
	_, err := tg.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name})
	wantAPIError(t, err, "ResourceInUseException", "DeleteStream can't delete "+account+":"+name+" because there are consumers associated with this data stream. To delete "+name+" anyway, set the EnforceConsumerDeletion parameter to true to force the deletion of all the consumers that are associated with it.")
	_, err = tg.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamARN: &streamARN, EnforceConsumerDeletion: aws.Bool(false)})
	wantAPIError(t, err, "ResourceInUseException", "DeleteStream can't delete")
	if _, err := tg.client.DeleteStream(ctx, &kinesis.DeleteStreamInput{StreamName: &name, EnforceConsumerDeletion: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	got, err := tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: &arn})
	if err != nil || got.ConsumerDescription.ConsumerStatus != types.ConsumerStatusDeleting {
		t.Fatalf("consumer of a stream being deleted: %v %+v", err, got)
	}
	eventually(t, 20*time.Second, "the stream to disappear", func() bool {
		_, err := tg.client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name})
		return err != nil && strings.Contains(err.Error(), "ResourceNotFoundException")
	})
	_, err = tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: &arn})
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer "+name+"/reader")
	// A new stream of the same name has none of the old consumers.
	tg.createActive(t, name, 1)
	out, err := tg.client.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN})
	if err != nil || len(out.Consumers) != 0 {
		t.Fatalf("recreated stream: %v %+v", err, out)
	}
}

// TestEFOConsumersSurviveRestart registers consumers, restarts the endpoint
// on the same data directory in the middle of CREATING and DELETING, and
// checks both transitions finish after the restart.
func TestEFOConsumersSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	start := func(createDelay time.Duration) (*local.Server, *kinesis.Client) {
		return startOnDir(t, dir, createDelay, createDelay, -1)
	}
	stop := func(srv *local.Server) {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Fatal(err)
		}
	}
	srv, c := start(-1)
	name := "orders"
	streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	if _, err := c.CreateStream(ctx, &kinesis.CreateStreamInput{StreamName: &name, ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	old, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("old")})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: old.Consumer.ConsumerARN}); err != nil || got.ConsumerDescription.ConsumerStatus != types.ConsumerStatusActive {
		t.Fatalf("with no delay the consumer is ACTIVE at once: %v %+v", err, got)
	}
	stop(srv)

	// Long delays: the restart comes while both are under way.
	srv, c = start(time.Hour)
	fresh, err := c.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("fresh")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: old.Consumer.ConsumerARN}); err != nil {
		t.Fatal(err)
	}
	stop(srv)

	// The resumed transitions end the new delay after they began: long
	// enough for the stop, the restart and the describe below to come
	// before, even on a busy machine (300 ms was not, at load 6).
	srv, c = start(2 * time.Second)
	defer stop(srv)
	tg := &target{url: srv.URL(), client: c}
	got, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: fresh.Consumer.ConsumerARN})
	if err != nil || got.ConsumerDescription.ConsumerStatus != types.ConsumerStatusCreating || !got.ConsumerDescription.ConsumerCreationTimestamp.Equal(*fresh.Consumer.ConsumerCreationTimestamp) {
		t.Fatalf("after restart: %v %+v", err, got)
	}
	// Both transitions resume and end within the new delay.
	tg.waitConsumer(t, *fresh.Consumer.ConsumerARN, types.ConsumerStatusActive)
	eventually(t, 20*time.Second, "the deregistered consumer to go", func() bool {
		_, err := c.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: old.Consumer.ConsumerARN})
		return err != nil && strings.Contains(err.Error(), "ResourceNotFoundException")
	})
	list, err := c.ListStreamConsumers(ctx, &kinesis.ListStreamConsumersInput{StreamARN: &streamARN})
	if err != nil || len(list.Consumers) != 1 || *list.Consumers[0].ConsumerARN != *fresh.Consumer.ConsumerARN {
		t.Fatalf("list after restart: %v %+v", err, list)
	}
}

// TestEFOConsumerTagsAndPolicy: a consumer's ARN carries tags and a
// resource policy of its own, apart from its stream's, gone with the consumer.
func TestEFOConsumerTagsAndPolicy(t *testing.T) {
	tg := efoTarget(t, true)
	ctx := context.Background()
	name := uniqueName("efotags")
	tg.createActive(t, name, 1)
	streamARN := "arn:aws:kinesis:us-east-1:" + account + ":stream/" + name
	out, err := tg.client.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: &streamARN, ConsumerName: aws.String("tagged"), Tags: map[string]string{"team": "data"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.Consumer.ConsumerARN
	tg.waitConsumer(t, *arn, types.ConsumerStatusActive)
	if _, err := tg.client.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"cost": "7", "env": "test"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.client.UntagResource(ctx, &kinesis.UntagResourceInput{ResourceARN: arn, TagKeys: []string{"env"}}); err != nil {
		t.Fatal(err)
	}
	list := func(arn *string) string {
		t.Helper()
		out, err := tg.client.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: arn})
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, tag := range out.Tags {
			s = append(s, *tag.Key+"="+aws.ToString(tag.Value))
		}
		return strings.Join(s, ",")
	}
	if got := list(arn); got != "cost=7,team=data" {
		t.Fatalf("consumer tags %q, want cost=7,team=data", got)
	}
	if got := list(&streamARN); got != "" {
		t.Fatalf("the stream got the consumer's tags: %q", got)
	}
	_, err = tg.client.TagResource(ctx, &kinesis.TagResourceInput{ResourceARN: arn, Tags: map[string]string{"a:b": "c"}})
	wantAPIError(t, err, "InvalidArgumentException", "Some tags contain invalid characters.")

	policy := `{"Version":"2012-10-17","Statement":[]}`
	if _, err := tg.client.PutResourcePolicy(ctx, &kinesis.PutResourcePolicyInput{ResourceARN: arn, Policy: &policy}); err != nil {
		t.Fatal(err)
	}
	pol, err := tg.client.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: arn})
	if err != nil || *pol.Policy != policy {
		t.Fatalf("consumer policy %v, %v", pol, err)
	}
	pol, err = tg.client.GetResourcePolicy(ctx, &kinesis.GetResourcePolicyInput{ResourceARN: &streamARN})
	if err != nil || *pol.Policy != "{}" {
		t.Fatalf("stream policy after the consumer's was set: %v, %v", pol, err)
	}

	if _, err := tg.client.DeregisterStreamConsumer(ctx, &kinesis.DeregisterStreamConsumerInput{ConsumerARN: arn}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the consumer to go", func() bool {
		_, err := tg.client.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{ConsumerARN: arn})
		return err != nil && strings.Contains(err.Error(), "ResourceNotFoundException")
	})
	_, err = tg.client.ListTagsForResource(ctx, &kinesis.ListTagsForResourceInput{ResourceARN: arn})
	wantAPIError(t, err, "ResourceNotFoundException", "Consumer "+name+"/tagged, account "+account+" not found.")
}
