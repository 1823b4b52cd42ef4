package consume

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"golang.org/x/time/rate"
)

// polling is the GetRecords source: a shard iterator from the start
// position, then one GetRecords after another, at most 5 a second.
type polling struct {
	r       *reader
	first   start
	iter    string // the next page's iterator; empty before the first
	lim     *rate.Limiter
	backoff time.Duration
	proto   pollProtocol
	scratch recordScratch
}

func newPolling(r *reader, first start) *polling {
	return &polling{r: r, first: first, lim: rate.NewLimiter(getRecordsPerSec, 1), proto: pollProtocol{pages: r.c.pages}}
}

func (p *polling) close() {}

func (p *polling) next(ctx context.Context, add func(*types.Record)) (page, error) {
	r := p.r
	for {
		if p.iter == "" {
			iter, err := p.iterator(ctx, p.first)
			if errors.Is(err, errShardExpired) {
				return page{end: true}, nil
			}
			if err != nil {
				return page{}, err
			}
			p.iter = iter
		}
		if err := p.lim.Wait(ctx); err != nil {
			return page{}, err
		}
		got, next, err := p.fetch(ctx, add)
		if err != nil {
			if ctx.Err() != nil {
				return page{}, ctx.Err()
			}
			var expired *types.ExpiredIteratorException
			if errors.As(err, &expired) {
				// Renew it at the last record read, which is skipped, or
				// where a LATEST start was pinned.
				s := p.first
				if s.typ == types.ShardIteratorTypeLatest && !r.pinned.IsZero() {
					s = start{typ: types.ShardIteratorTypeAtTimestamp, at: r.pinned}
				}
				if !r.last.IsZero() {
					s, r.skip = start{typ: types.ShardIteratorTypeAtSequenceNumber, seq: r.last.Seq}, r.last
				}
				if p.iter, err = p.iterator(ctx, s); errors.Is(err, errShardExpired) {
					return page{end: true}, nil
				}
				if err != nil {
					return page{}, err
				}
				continue
			}
			if r.expired(ctx, err) {
				return page{end: true}, nil
			}
			p.backoff = r.wait(ctx, p.backoff, "get records", err)
			continue
		}
		p.backoff = 0
		got.end = next == nil
		got.tip = got.records == 0 && got.behind == 0
		p.iter = aws.ToString(next)
		return got, nil
	}
}

// fetch reads and counts one GetRecords page, in a read slot. The answer
// is read into a buffer of the consumer's page pool (pollProtocol), given
// back once counted.
func (p *polling) fetch(ctx context.Context, add func(*types.Record)) (page, *string, error) {
	release, err := p.r.c.readSlot(ctx)
	if err != nil {
		return page{}, nil, err
	}
	defer release()
	defer p.proto.done()
	out, err := p.r.c.opts.Kinesis.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: aws.String(p.iter), Limit: aws.Int32(getRecordsLimit)}, p.proto.use)
	if err != nil {
		return page{}, nil, err
	}
	n := len(out.Records)
	if pg := p.proto.page(); pg != nil {
		n = pg.each(&p.scratch, add)
	} else {
		for i := range out.Records {
			add(&out.Records[i])
		}
	}
	return page{records: n, behind: aws.ToInt64(out.MillisBehindLatest)}, out.NextShardIterator, nil
}

func (p *polling) iterator(ctx context.Context, s start) (string, error) {
	r := p.r
	in := &kinesis.GetShardIteratorInput{StreamName: aws.String(r.c.opts.Stream), ShardId: aws.String(r.shard), ShardIteratorType: s.typ}
	if s.seq != "" {
		in.StartingSequenceNumber = aws.String(s.seq)
	}
	if s.typ == types.ShardIteratorTypeAtTimestamp {
		in.Timestamp = aws.Time(s.at)
	}
	var backoff time.Duration
	for {
		out, err := r.c.opts.Kinesis.GetShardIterator(ctx, in)
		if err == nil {
			return aws.ToString(out.ShardIterator), nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if r.expired(ctx, err) {
			return "", errShardExpired
		}
		backoff = r.wait(ctx, backoff, "get shard iterator", err)
	}
}
