package consume

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/internal/retry"
)

// explain turns the error of what into the one line a user reads: what
// failed, why, and how to fix it when it is permanent. gone is the fix for
// a resource that does not exist (empty: none is known). The result stays
// permanent (or transient) as err was.
func explain(what string, err error, gone string) error {
	var g *retry.GaveUpError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &g):
		return err // it says what, why and what to do already
	case retry.NotFound(err) && gone != "":
		return retry.Refuse(fmt.Errorf("%s: %s", what, gone))
	case retry.Hint(err) != "":
		return fmt.Errorf("%s: %w; %s", what, err, retry.Hint(err))
	}
	return fmt.Errorf("%s: %w", what, err)
}

// describeStreamSummary describes the stream, retrying transient errors
// at start-up.
func (c *Consumer) describeStreamSummary(ctx context.Context) (*kinesis.DescribeStreamSummaryOutput, error) {
	var out *kinesis.DescribeStreamSummaryOutput
	what := fmt.Sprintf("describe stream %q", c.opts.Stream)
	err := retry.Do(ctx, retry.StartUp, c.log, what, func(ctx context.Context) error {
		var err error
		out, err = c.opts.Kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(c.opts.Stream)})
		return err
	})
	if err != nil {
		return nil, explain(what, err, "the stream does not exist; create it first (spk create-stream)")
	}
	return out, nil
}

// streamDeleted reports whether the stream is gone, after a read found a
// shard missing: that, not an expired shard, is what ends the consumer.
func (c *Consumer) streamDeleted(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := retry.Do(ctx, retry.Running, c.log, fmt.Sprintf("describe stream %q", c.opts.Stream), func(ctx context.Context) error {
		_, err := c.opts.Kinesis.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(c.opts.Stream)})
		return err
	})
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// permanent reports whether err, met while reading a shard (Kinesis) or
// writing a table (DynamoDB), must end the consumer, and ends it then.
func (c *Consumer) permanent(ctx context.Context, what string, err error, kinesisCall bool) bool {
	if !retry.Permanent(err) {
		return false
	}
	if retry.NotFound(err) && kinesisCall {
		if !c.streamDeleted(ctx) {
			return false // a shard past its retention, or a fan-out consumer being re-registered: retried
		}
		c.fail(c.streamGone())
		return true
	}
	c.fail(explain(what, err, "the table does not exist any more (deleted while spk run was writing to it); restart spk run, which creates it again"))
	return true
}

// streamMissing explains a start-up error that says the stream does not
// exist.
func (c *Consumer) streamMissing(err error) error {
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return retry.Refuse(fmt.Errorf("list shards of stream %q: the stream does not exist; create it first (spk create-stream)", c.opts.Stream))
	}
	return err
}

// streamGone is the error that ends a consumer whose stream was deleted.
func (c *Consumer) streamGone() error {
	return retry.Refuse(fmt.Errorf("read stream %q: the stream was deleted while spk run was reading it; its checkpoints in lease table %q are of no use to a new one: delete that table (aws dynamodb delete-table --table-name %s) or choose another app name (--app), create the stream again (spk create-stream) and restart spk run", c.opts.Stream, c.opts.App, c.opts.App))
}
