package generate

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/spk-cli/spk/stream/kpl"
)

// shardMap maps hash keys to the stream's open shards.
type shardMap struct {
	ids    []string
	starts []*big.Int // sorted starting hash keys, parallel to ids
}

// shardFor is the index of the shard whose range holds hashKey.
func (m *shardMap) shardFor(hashKey *big.Int) int {
	i := sort.Search(len(m.starts), func(i int) bool { return m.starts[i].Cmp(hashKey) > 0 }) - 1
	return max(i, 0)
}

// listShards reads the open shards (those without an ending sequence number).
func (p *Producer) listShards(ctx context.Context) (*shardMap, error) {
	type shard struct {
		id    string
		start *big.Int
	}
	var open []shard
	in := &kinesis.ListShardsInput{}
	if p.opts.StreamARN != "" {
		in.StreamARN = aws.String(p.opts.StreamARN)
	} else {
		in.StreamName = aws.String(p.opts.StreamName)
	}
	for {
		out, err := p.client.ListShards(ctx, in)
		if err != nil {
			var nf *types.ResourceNotFoundException
			if errors.As(err, &nf) {
				return nil, p.describeTerminal(err)
			}
			return nil, fmt.Errorf("list shards of %q (needed by --aggregate): %w", p.opts.streamLabel(), err)
		}
		for _, s := range out.Shards {
			if s.SequenceNumberRange != nil && s.SequenceNumberRange.EndingSequenceNumber != nil {
				continue // closed by a split or merge
			}
			start, ok := new(big.Int).SetString(aws.ToString(s.HashKeyRange.StartingHashKey), 10)
			if !ok {
				return nil, fmt.Errorf("list shards of %q: shard %s has a malformed hash key range", p.opts.streamLabel(), aws.ToString(s.ShardId))
			}
			open = append(open, shard{id: aws.ToString(s.ShardId), start: start})
		}
		if out.NextToken == nil {
			break
		}
		in = &kinesis.ListShardsInput{NextToken: out.NextToken}
	}
	if len(open) == 0 {
		return nil, fmt.Errorf("stream %q has no open shards: wait until it is ACTIVE (spk describe-stream)", p.opts.streamLabel())
	}
	sort.Slice(open, func(i, j int) bool { return open[i].start.Cmp(open[j].start) < 0 })
	m := &shardMap{}
	for _, s := range open {
		m.ids = append(m.ids, s.id)
		m.starts = append(m.starts, s.start)
	}
	return m, nil
}

// aggregate packs events into KPL aggregated records, one aggregator per
// shard as the KPL does, so events still land on the shard their partition
// key maps to; a consumer that drops user records outside its shard's hash
// range (as the KCL does) keeps them all (see shardBin.add). An aggregated
// record is sent when full or Linger after its first event.
func (p *Producer) aggregate(ctx context.Context, in <-chan *Event, out chan<- *record, shards *shardMap) {
	defer close(out)
	var bins []*shardBin
	reset := func(m *shardMap) {
		shards = m
		bins = make([]*shardBin, len(m.ids))
		for i, id := range m.ids {
			bins[i] = &shardBin{shard: id, agg: kpl.Aggregator{MaxSize: p.opts.AggregateMaxSize}}
		}
	}
	reset(shards)
	emitAll := func() {
		for _, b := range bins {
			b.emit(out)
		}
	}
	tick := time.NewTicker(max(p.opts.Linger/2, time.Millisecond))
	defer tick.Stop()
	for {
		select {
		case ev, open := <-in:
			if !open {
				emitAll()
				return
			}
			hk, _ := kpl.HashKey(ev.PartitionKey, "")
			bins[shards.shardFor(hk)].add(ev, out)
		case now := <-tick.C:
			for _, b := range bins {
				if len(b.events) > 0 && now.Sub(b.since) >= p.opts.Linger {
					b.emit(out)
				}
			}
		case <-p.refreshShards:
			if m, err := p.listShards(ctx); err == nil {
				emitAll()
				reset(m)
			}
		}
	}
}

// shardBin collects the events bound for one shard.
type shardBin struct {
	shard  string
	agg    kpl.Aggregator
	events []*Event
	since  time.Time // when the first pending event arrived
	ehk    string    // explicit hash key of the aggregated record being built
}

// add puts ev in the bin, sending the bin's aggregated record first when ev
// does not fit.
//
// Every user record carries the explicit hash key of the aggregated record's
// first event, and so does the aggregated record: they all route where the
// aggregated record is written, even if the stream was resharded since the
// shard map was read. A consumer filtering by hash range then keeps them all.
func (b *shardBin) add(ev *Event, out chan<- *record) {
	r := kpl.Record{PartitionKey: ev.PartitionKey, Data: ev.Data}
	withKey := func() kpl.Record {
		if len(b.events) == 0 {
			hk, _ := kpl.HashKey(ev.PartitionKey, "")
			b.ehk = hk.String()
		}
		r.ExplicitHashKey = b.ehk
		return r
	}
	err := b.agg.Add(withKey())
	if errors.Is(err, kpl.ErrFull) {
		b.emit(out)
		err = b.agg.Add(withKey())
	}
	if err != nil {
		// Too large to aggregate: send it alone; the sender reports it if
		// it is too large for Kinesis as well.
		b.emit(out)
		b.events = append(b.events, ev)
		b.emit(out)
		return
	}
	if len(b.events) == 0 {
		b.since = time.Now()
	}
	b.events = append(b.events, ev)
}

// emit sends the pending events as one record. A single event goes as a
// plain record, as the KPL does.
func (b *shardBin) emit(out chan<- *record) {
	if len(b.events) == 0 {
		return
	}
	var r *record
	if len(b.events) == 1 {
		ev := b.events[0]
		r = &record{pk: ev.PartitionKey, data: ev.Data, events: b.events}
		b.agg.Flush()
	} else {
		agg, _ := b.agg.Flush()
		r = &record{pk: agg.PartitionKey, ehk: agg.ExplicitHashKey, data: agg.Data, events: b.events}
	}
	r.shard = b.shard
	b.events = nil
	out <- r
}

// checkShard notices an aggregated record acknowledged on another shard than
// predicted (the stream was resharded) and asks for a fresh shard map.
func (p *Producer) checkShard(r *record, shard string) {
	if r.shard == "" || r.shard == shard {
		return
	}
	select {
	case p.refreshShards <- struct{}{}:
	default:
	}
}
