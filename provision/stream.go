package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	ktypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/internal/retry"
	"github.com/spk-cli/spk/provision/ddbtable"
)

// TagKey marks resources spk created; teardown deletes only those (except
// on spk's own endpoint). Kinesis allows no ':' in tag keys, so the same
// dash-separated key is used for streams and tables.
const TagKey = ddbtable.TagKey

// Progress receives one line per state change while a task waits.
type Progress func(msg string)

func (p Progress) say(format string, args ...any) {
	if p != nil {
		p(fmt.Sprintf(format, args...))
	}
}

// StreamSpec is the stream spk needs.
type StreamSpec struct {
	Name     string
	Shards   int32
	OnDemand bool
	App      string // written to the spk-app tag
}

// Outcome says what an idempotent create found and did.
type Outcome struct {
	Created bool   // spk created it now
	Note    string // e.g. "already exists and is ACTIVE"
}

// waitDelays keep waiting snappy against a short CREATING state without
// hammering AWS: the SDK waiters poll as tables are (ddbtable.PollDelays).
func waitDelays(endpoint *string, min, max *time.Duration) {
	*min, *max = ddbtable.PollDelays(endpoint)
}

const waitTimeout = 10 * time.Minute

// CreateStream makes sure the stream exists and is ACTIVE: an ACTIVE stream
// is success with a note, a CREATING or UPDATING one is waited for, a
// DELETING one is waited out and created again.
func CreateStream(ctx context.Context, k *kinesis.Client, spec StreamSpec, progress Progress) (Outcome, error) {
	op := fmt.Sprintf("create stream %q", spec.Name)
	var out Outcome
	var sum *ktypes.StreamDescriptionSummary
	err := retried(ctx, func(ctx context.Context) (err error) {
		sum, err = describeStreamSummary(ctx, k, spec.Name)
		return err
	})
	if err != nil && !isNotFound(err) {
		return out, &Error{Op: op, Err: err}
	}
	if err == nil && sum.StreamStatus == ktypes.StreamStatusDeleting {
		progress.say("stream %s is being deleted; waiting for that to finish", spec.Name)
		if err := waitStreamGone(ctx, k, spec.Name); err != nil {
			return out, &Error{Op: op, Err: err}
		}
		err = &ktypes.ResourceNotFoundException{}
	}
	if err != nil { // not found: create it
		in := &kinesis.CreateStreamInput{StreamName: aws.String(spec.Name)}
		if spec.App != "" {
			// Tagged as it is made, so a run interrupted while the stream
			// is CREATING leaves a stream teardown knows is spk's.
			in.Tags = map[string]string{TagKey: spec.App}
		}
		if spec.OnDemand {
			in.StreamModeDetails = &ktypes.StreamModeDetails{StreamMode: ktypes.StreamModeOnDemand}
		} else {
			in.ShardCount = aws.Int32(spec.Shards)
		}
		said := false
		if err := retried(ctx, func(ctx context.Context) error {
			_, err := k.CreateStream(ctx, in)
			var limit *ktypes.LimitExceededException
			switch {
			case errors.As(err, &limit) && tooManyChanging(err):
				// Five streams CREATING or DELETING at once: waiting lifts it.
				if !said {
					progress.say("five streams of the account are being created or deleted; waiting for one to finish")
					said = true
				}
			case errors.As(err, &limit):
				// The account's shard or on-demand stream limit, which
				// waiting does not lift: told at once, with a hint.
				return retry.Refuse(err)
			}
			return err
		}); err != nil {
			var inUse *ktypes.ResourceInUseException
			if !errors.As(err, &inUse) { // in use: created meanwhile by someone else; wait for it
				return out, &Error{Op: op, Err: err, Hint: limitHint(err)}
			}
		} else {
			out.Created = true
		}
	} else if sum.StreamStatus == ktypes.StreamStatusActive {
		onDemand := sum.StreamModeDetails != nil && sum.StreamModeDetails.StreamMode == ktypes.StreamModeOnDemand
		out.Note = fmt.Sprintf("already exists and is ACTIVE with %d open shards", aws.ToInt32(sum.OpenShardCount))
		switch {
		case onDemand && !spec.OnDemand:
			out.Note += " (on demand, so Kinesis sets its shards; spk does not change an existing stream)"
		case !onDemand && spec.OnDemand:
			out.Note += " (provisioned, not on demand; spk does not change an existing stream)"
		case !onDemand && !spec.OnDemand && spec.Shards > 0 && aws.ToInt32(sum.OpenShardCount) != spec.Shards:
			out.Note += fmt.Sprintf(" (not the %d asked for; spk does not reshard an existing stream)", spec.Shards)
		}
	}
	if out.Note == "" {
		progress.say("waiting for stream %s to become ACTIVE", spec.Name)
		w := kinesis.NewStreamExistsWaiter(k, func(o *kinesis.StreamExistsWaiterOptions) {
			waitDelays(k.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
		})
		if err := retried(ctx, func(ctx context.Context) error {
			return w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(spec.Name), Limit: aws.Int32(1)}, waitTimeout)
		}); err != nil {
			return out, &Error{Op: op, Err: fmt.Errorf("wait for ACTIVE: %w", err)}
		}
	}
	if out.Created && spec.App != "" {
		// Again once ACTIVE, for endpoints that ignore CreateStream's tags.
		if err := retried(ctx, func(ctx context.Context) error {
			_, err := k.AddTagsToStream(ctx, &kinesis.AddTagsToStreamInput{StreamName: aws.String(spec.Name), Tags: map[string]string{TagKey: spec.App}})
			return err
		}); err != nil {
			return out, &Error{Op: op, Err: fmt.Errorf("tag the stream: %w", err)}
		}
	}
	return out, nil
}

func limitHint(err error) string {
	var le *ktypes.LimitExceededException
	switch {
	case errors.As(err, &le) && tooManyChanging(err):
		return "five streams of the account were being created or deleted for two minutes: wait for them, then run it again"
	case errors.As(err, &le) && strings.Contains(le.ErrorMessage(), "on-demand stream count"):
		return "the account's on-demand streams are at their limit: delete unused ones, or create this one provisioned with --shards N"
	case errors.As(err, &le):
		return "the account's shard limit is reached: ask for fewer shards with --shards, or delete unused streams"
	}
	return ""
}

// tooManyChanging recognises Kinesis's limit of five streams CREATING or
// DELETING at once, which CreateStream answers with the same
// LimitExceededException as the shard limit ("… the limit on the number of
// streams that can simultaneously be in CREATING or DELETING …").
func tooManyChanging(err error) bool {
	var api interface{ ErrorMessage() string }
	return errors.As(err, &api) && strings.Contains(api.ErrorMessage(), "CREATING or DELETING")
}

func describeStreamSummary(ctx context.Context, k *kinesis.Client, name string) (*ktypes.StreamDescriptionSummary, error) {
	out, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
	if err != nil {
		return nil, err
	}
	if out.StreamDescriptionSummary == nil {
		return nil, retry.Refuse(errors.New("the endpoint answered DescribeStreamSummary without a StreamDescriptionSummary; point spk at a Kinesis endpoint (spk local, or AWS)"))
	}
	return out.StreamDescriptionSummary, nil
}

func waitStreamGone(ctx context.Context, k *kinesis.Client, name string) error {
	w := kinesis.NewStreamNotExistsWaiter(k, func(o *kinesis.StreamNotExistsWaiterOptions) {
		waitDelays(k.Options().BaseEndpoint, &o.MinDelay, &o.MaxDelay)
	})
	return w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name), Limit: aws.Int32(1)}, waitTimeout)
}

// DescribeStream returns the stream with every shard, paging through
// DescribeStream as the AWS CLI does, so the output has the tutorial's shape.
func DescribeStream(ctx context.Context, k *kinesis.Client, name string) (*ktypes.StreamDescription, error) {
	var desc *ktypes.StreamDescription
	var start *string
	for {
		out, err := k.DescribeStream(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(name), ExclusiveStartShardId: start})
		if err != nil {
			e := &Error{Op: fmt.Sprintf("describe stream %q", name), Err: err}
			if isNotFound(err) {
				e.Hint = "create it with: spk create-stream " + name
			}
			return nil, e
		}
		d := out.StreamDescription
		if d == nil {
			return nil, &Error{Op: fmt.Sprintf("describe stream %q", name), Err: errors.New("the endpoint answered without a StreamDescription"),
				Hint: "point spk at a Kinesis endpoint (spk local, or AWS)"}
		}
		if desc == nil {
			desc = d
		} else {
			desc.Shards = append(desc.Shards, d.Shards...)
		}
		if !aws.ToBool(d.HasMoreShards) || len(d.Shards) == 0 {
			desc.HasMoreShards = aws.Bool(false)
			return desc, nil
		}
		start = d.Shards[len(d.Shards)-1].ShardId
	}
}

// retried runs one call of a set-up step, retrying transient errors
// (5xx, throttling, timeouts) with backoff for up to two minutes: a step is
// retried call by call, never whole, so a retry never skips what a failed
// call left undone (a table created but not tagged).
func retried(ctx context.Context, call func(context.Context) error) error {
	return retry.Do(ctx, retry.StartUp, nil, "", call)
}

// isNotFound recognises a missing stream or table from either service.
func isNotFound(err error) bool {
	var api interface{ ErrorCode() string }
	return errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}

// RequireStream fails, with how to fix it, when the stream does not exist,
// so a command that needs it creates nothing else first.
func RequireStream(ctx context.Context, k *kinesis.Client, name string) error {
	err := retried(ctx, func(ctx context.Context) error { _, err := describeStreamSummary(ctx, k, name); return err })
	switch {
	case isNotFound(err):
		return &Error{Op: fmt.Sprintf("read stream %q", name), Err: errors.New("the stream does not exist"), Hint: "create it with: spk create-stream " + name + " (or run spk up)"}
	case err != nil:
		return &Error{Op: fmt.Sprintf("read stream %q", name), Err: err}
	}
	return nil
}
