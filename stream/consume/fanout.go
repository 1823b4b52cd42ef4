package consume

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

const (
	// consumerActiveTimeout bounds the wait for a registered stream consumer
	// to become ACTIVE (seconds on AWS).
	consumerActiveTimeout = 2 * time.Minute
	maxConsumerBackoff    = 2 * time.Second
)

// registerFanOut returns the ARN of the stream consumer named after the app,
// registering it when it does not exist, once it is ACTIVE. The consumer is
// never deregistered by spk run: like the KCL's, it stays for the next run
// (deleting the stream, as spk teardown does, removes it).
func (c *Consumer) registerFanOut(ctx context.Context) (string, error) {
	k := c.opts.Kinesis
	if c.streamARN == "" { // described already by checkLeasesAreOurs, as a rule
		sum, err := c.describeStreamSummary(ctx) // retries transient errors
		if err != nil {
			return "", fmt.Errorf("describe stream %q for enhanced fan-out: %w", c.opts.Stream, err)
		}
		c.streamARN = aws.ToString(sum.StreamDescriptionSummary.StreamARN)
	}
	streamARN := aws.String(c.streamARN)
	if c.streamARN == "" {
		return "", fmt.Errorf("describe stream %q: the endpoint gave no stream ARN, which enhanced fan-out needs; use --retrieval polling", c.opts.Stream)
	}
	name := aws.String(c.opts.App)
	ctx, cancel := context.WithTimeout(ctx, consumerActiveTimeout)
	defer cancel()
	var backoff time.Duration
	registered := false
	for {
		d, err := k.DescribeStreamConsumer(ctx, &kinesis.DescribeStreamConsumerInput{StreamARN: streamARN, ConsumerName: name})
		var notFound *types.ResourceNotFoundException
		switch {
		case err == nil:
			desc := d.ConsumerDescription
			if desc.ConsumerStatus == types.ConsumerStatusActive {
				if registered {
					c.log.Info("registered stream consumer", "consumer", c.opts.App, "arn", aws.ToString(desc.ConsumerARN))
				} else {
					c.log.Info("using the registered stream consumer", "consumer", c.opts.App, "arn", aws.ToString(desc.ConsumerARN))
				}
				return aws.ToString(desc.ConsumerARN), nil
			}
			// CREATING, or DELETING (then it is registered again once gone).
		case errors.As(err, &notFound):
			_, err := k.RegisterStreamConsumer(ctx, &kinesis.RegisterStreamConsumerInput{StreamARN: streamARN, ConsumerName: name})
			var inUse *types.ResourceInUseException
			var limit *types.LimitExceededException
			switch {
			case err == nil:
				registered = true
				continue // it may be ACTIVE already: ask at once
			case errors.As(err, &inUse):
				// Registered meanwhile by another worker, or being deleted.
			case errors.As(err, &limit) && ctx.Err() == nil:
				return "", fmt.Errorf("register stream consumer %q on stream %q: %w; a stream has at most 20 consumers: deregister one, or use --retrieval polling", c.opts.App, c.opts.Stream, err)
			case ctx.Err() == nil:
				c.log.Warn("register stream consumer failed; retrying", "consumer", c.opts.App, "err", err)
			}
		case ctx.Err() == nil:
			c.log.Debug("describe stream consumer failed; retrying", "consumer", c.opts.App, "err", err)
		}
		backoff = min(max(2*backoff, firstRetryBackoff), maxConsumerBackoff)
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return "", fmt.Errorf("stream consumer %q on stream %q did not become ACTIVE within %v (last error: %v); try again, or use --retrieval polling", c.opts.App, c.opts.Stream, consumerActiveTimeout, err)
			}
			return "", ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// subscription is an open SubscribeToShard event stream
// (*kinesis.SubscribeToShardEventStream).
type subscription interface {
	Events() <-chan types.SubscribeToShardEventStream
	Err() error
	Close() error
}

// subscribeToShard opens a subscription; the stream lives until ctx ends or
// it is closed.
func (c *Consumer) subscribeToShard(ctx context.Context, in *kinesis.SubscribeToShardInput) (subscription, error) {
	proto := newEventProtocol(ctx, c.pages)
	out, err := c.opts.Kinesis.SubscribeToShard(ctx, in, ownCodec(proto))
	if err != nil {
		return nil, err
	}
	return &sdkSubscription{out.GetStream(), proto}, nil
}

// ownCodec gives a subscription its own event stream decoder. The client's
// protocol holds one codec whose scratch state every event stream of the
// client shares without synchronisation (aws/smithy-go#714: harmless today,
// but a data race), and a consumer holds many subscriptions at once. The
// subscription's decoder reads SubscribeToShardEvent messages itself
// (eventProtocol).
func ownCodec(proto *eventProtocol) func(*kinesis.Options) {
	return func(o *kinesis.Options) {
		if _, ok := o.Protocol.(*awsjson.Protocol); ok {
			o.Protocol = proto
		}
	}
}

// sdkSubscription is the SDK's event stream with its decoder, which holds
// the pages of the events it read until the reader has counted them.
type sdkSubscription struct {
	*kinesis.SubscribeToShardEventStream
	proto *eventProtocol
}

func (s *sdkSubscription) page(e *types.SubscribeToShardEvent) *rawPage { return s.proto.take(e) }
func (s *sdkSubscription) done(e *types.SubscribeToShardEvent)          { s.proto.done(e) }

// Close ends the stream and gives back the pages of events never counted.
func (s *sdkSubscription) Close() error {
	err := s.SubscribeToShardEventStream.Close()
	s.proto.close()
	return err
}

// pager is a subscription whose events' records are in pages it holds
// until they are counted (see eventProtocol).
type pager interface {
	page(*types.SubscribeToShardEvent) *rawPage
	done(*types.SubscribeToShardEvent)
}

// fanout is the SubscribeToShard source. Each subscription lasts at most 5
// minutes; the next one starts after the last event processed
// (AFTER_SEQUENCE_NUMBER its ContinuationSequenceNumber), so nothing is
// skipped or read twice. The first one starts where polling would: at the
// checkpointed record (which the reader skips, with its sub-records up to the
// checkpointed one) or the initial position.
type fanout struct {
	r       *reader
	scratch recordScratch
	pos     types.StartingPosition // where the next subscription starts
	cancel  context.CancelFunc     // ends the current subscription
	stream  subscription
	started time.Time // when the current subscription began
	backoff time.Duration
}

// subscriptionRenewAfter is how long a subscription is read before the
// consumer replaces it with a new one from where it stands. Kinesis ends a
// subscription after 5 minutes; renewing a little before, as the KCL does,
// means records keep flowing instead of pausing for the end and the
// re-subscription. (A subscription older than 5 seconds may be replaced:
// the new one takes over.)
const subscriptionRenewAfter = 5*time.Minute - 15*time.Second

func newFanout(r *reader, first start) *fanout {
	pos := types.StartingPosition{Type: first.typ}
	if first.seq != "" {
		pos.SequenceNumber = aws.String(first.seq)
	}
	if first.typ == types.ShardIteratorTypeAtTimestamp {
		pos.Timestamp = aws.Time(first.at)
	}
	return &fanout{r: r, pos: pos}
}

// close ends the current subscription, if any.
func (f *fanout) close() {
	if f.stream != nil {
		f.cancel()
		f.stream.Close()
		f.stream, f.cancel = nil, nil
	}
}

// subscribe opens a subscription at f.pos, retrying with backoff: a renewal
// within 5 seconds of the last subscription is refused (ResourceInUse) until
// then.
func (f *fanout) subscribe(ctx context.Context) error {
	r := f.r
	for {
		sctx, cancel := context.WithCancel(ctx)
		pos := f.pos
		stream, err := r.c.subscribe(sctx, &kinesis.SubscribeToShardInput{
			ConsumerARN: aws.String(r.c.consumerARN), ShardId: aws.String(r.shard), StartingPosition: &pos,
		})
		if err == nil {
			f.stream, f.cancel, f.started = stream, cancel, time.Now()
			r.c.metrics.Subscribed()
			r.c.log.Debug("subscribed to shard", "shard", r.shard, "from", string(pos.Type), "seq", aws.ToString(pos.SequenceNumber))
			return nil
		}
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.expired(ctx, err) {
			return errShardExpired
		}
		f.backoff = r.wait(ctx, f.backoff, "subscribe to shard", err)
	}
}

func (f *fanout) next(ctx context.Context, add func(*types.Record)) (page, error) {
	r := f.r
	for {
		if f.stream == nil {
			err := f.subscribe(ctx)
			if errors.Is(err, errShardExpired) {
				return page{end: true}, nil
			}
			if err != nil {
				return page{}, err
			}
		}
		var ev types.SubscribeToShardEventStream
		var ok bool
		select {
		case <-ctx.Done():
			f.close()
			return page{}, ctx.Err()
		case ev, ok = <-f.stream.Events():
		}
		if !ok {
			// The subscription ended: its 5 minutes are up (no error), or
			// it failed or was taken over. Renew it where it stopped.
			err := f.stream.Err()
			f.close()
			if ctx.Err() != nil {
				return page{}, ctx.Err()
			}
			if err != nil && r.expired(ctx, err) {
				return page{end: true}, nil
			}
			if err != nil {
				f.backoff = r.wait(ctx, f.backoff, "read subscription", err)
			}
			continue
		}
		e, isEvent := ev.(*types.SubscribeToShardEventStreamMemberSubscribeToShardEvent)
		if !isEvent {
			continue
		}
		f.backoff = 0
		var pg *rawPage
		pgr, isPager := f.stream.(pager)
		if isPager {
			pg = pgr.page(&e.Value)
		}
		got, err := f.count(ctx, &e.Value, pg, add)
		if isPager {
			pgr.done(&e.Value)
		}
		if err != nil {
			f.close()
			return page{}, err
		}
		if time.Since(f.started) >= r.c.renewAfter && !got.end {
			// Renew before Kinesis ends it; the next call subscribes
			// again after this event.
			r.c.log.Debug("renewing a subscription before it ends", "shard", r.shard)
			f.close()
		}
		return got, nil
	}
}

// count hands an event's records to add, in a read slot, and moves the
// resume point past them. pg, when not nil, holds the records.
func (f *fanout) count(ctx context.Context, e *types.SubscribeToShardEvent, pg *rawPage, add func(*types.Record)) (page, error) {
	release, err := f.r.c.readSlot(ctx)
	if err != nil {
		return page{}, err
	}
	n := len(e.Records)
	if pg != nil {
		n = pg.each(&f.scratch, add)
	} else {
		for i := range e.Records {
			add(&e.Records[i])
		}
	}
	release()
	behind := aws.ToInt64(e.MillisBehindLatest)
	// MillisBehindLatest 0 says that the event brought everything there is
	// ("caught up, and there are no new records to process at this
	// moment"): the shard is at its tip without waiting for the next,
	// empty, event.
	got := page{records: n, behind: behind, tip: behind == 0}
	if cont := aws.ToString(e.ContinuationSequenceNumber); cont != "" {
		f.pos = types.StartingPosition{Type: types.ShardIteratorTypeAfterSequenceNumber, SequenceNumber: aws.String(cont)}
	}
	// Child shards come only with the closed shard's last event.
	got.end = len(e.ChildShards) > 0
	return got, nil
}
