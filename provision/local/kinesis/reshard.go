package kinesis

import (
	"sort"

	"github.com/spk-cli/spk/provision/local/store"
)

type splitShardInput struct {
	streamRef
	ShardToSplit       *string `json:"ShardToSplit"`
	NewStartingHashKey *string `json:"NewStartingHashKey"`
}

func (s *Service) splitShard(c codec, body []byte) (any, *apiError) {
	var in splitShardInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	// Kinesis reports newStartingHashKey, the stream, then shardToSplit.
	var v validation
	v.notNull(in.NewStartingHashKey != nil, "newStartingHashKey")
	v.decimal(in.NewStartingHashKey, "newStartingHashKey", 39)
	s.resolveName(in.StreamName, in.StreamARN, &v)
	v.shardID(in.ShardToSplit, "shardToSplit", true)
	st, name, apiErr := s.findStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	idx, ok := parseShardID(*in.ShardToSplit)
	if !ok {
		return nil, s.shardNotFound(*in.ShardToSplit, name)
	}
	s.shardsMu.Lock()
	defer s.shardsMu.Unlock()
	inAccount := s.accountShards()
	return s.startReshard(st, func() (*pendingChange, *apiError) {
		sh := st.shard(idx)
		if sh == nil {
			return nil, s.shardNotFound(shardName(idx), name)
		}
		if !sh.open() {
			return nil, s.alreadyResharded(sh.Index, name)
		}
		if e := s.checkShardLimit(inAccount, 1); e != nil {
			return nil, e
		}
		key, ok := parseHashKey(*in.NewStartingHashKey)
		if !ok || key.cmp(sh.start.add1()) <= 0 || key.cmp(sh.end) >= 0 {
			return nil, clientErr("InvalidArgumentException",
				"NewStartingHashKey %s used in SplitShard() on shard %s in stream %s under account %s is not both greater than one plus the shard's StartingHashKey %s and less than the shard's EndingHashKey %s.",
				*in.NewStartingHashKey, shardName(idx), name, s.env.AccountID, sh.StartHash, sh.EndHash)
		}
		return &pendingChange{Kind: "split", Shard: idx, NewStartKey: key.String()}, nil
	})
}

func (s *Service) alreadyResharded(idx int, name string) *apiError {
	return clientErr("InvalidArgumentException", "Shard %s in stream %s under account %s has already been merged or split, and thus is not eligible for merging or splitting.", shardName(idx), name, s.env.AccountID)
}

type mergeShardsInput struct {
	streamRef
	ShardToMerge         *string `json:"ShardToMerge"`
	AdjacentShardToMerge *string `json:"AdjacentShardToMerge"`
}

func (s *Service) mergeShards(c codec, body []byte) (any, *apiError) {
	var in mergeShardsInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.shardID(in.ShardToMerge, "shardToMerge", true)
	v.shardID(in.AdjacentShardToMerge, "adjacentShardToMerge", true)
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	a, okA := parseShardID(*in.ShardToMerge)
	if !okA {
		return nil, s.shardNotFound(*in.ShardToMerge, name)
	}
	b, okB := parseShardID(*in.AdjacentShardToMerge)
	if !okB {
		return nil, s.shardNotFound(*in.AdjacentShardToMerge, name)
	}
	return s.startReshard(st, func() (*pendingChange, *apiError) {
		sa, sb := st.shard(a), st.shard(b)
		if sa == nil {
			return nil, s.shardNotFound(shardName(a), name)
		}
		if sb == nil {
			return nil, s.shardNotFound(shardName(b), name)
		}
		if !sa.open() {
			return nil, s.alreadyResharded(a, name)
		}
		if !sb.open() {
			return nil, s.alreadyResharded(b, name)
		}
		if !adjacent(sa, sb) && !adjacent(sb, sa) {
			return nil, clientErr("InvalidArgumentException", "Shards %s and %s in stream %s under account %s are not an adjacent pair of shards eligible for merging",
				shardName(a), shardName(b), name, s.env.AccountID)
		}
		return &pendingChange{Kind: "merge", Shard: a, Adjacent: b}, nil
	})
}

type updateShardCountInput struct {
	streamRef
	TargetShardCount *int64  `json:"TargetShardCount"`
	ScalingType      *string `json:"ScalingType"`
}

func (s *Service) updateShardCount(c codec, body []byte) (any, *apiError) {
	var in updateShardCountInput
	if err := c.decode(body, &in); err != nil {
		return nil, serializationErr(err)
	}
	var v validation
	v.notNull(in.TargetShardCount != nil, "targetShardCount")
	v.intRange(in.TargetShardCount, "targetShardCount", 1, 100000)
	v.notNull(in.ScalingType != nil, "scalingType")
	if in.ScalingType != nil {
		v.enum(*in.ScalingType, "scalingType", "UNIFORM_SCALING")
	}
	st, name, apiErr := s.getStream(in.streamRef, v)
	if apiErr != nil {
		return nil, apiErr
	}
	target := int(*in.TargetShardCount)
	var current int
	s.shardsMu.Lock()
	defer s.shardsMu.Unlock()
	inAccount := s.accountShards()
	_, apiErr = s.startReshard(st, func() (*pendingChange, *apiError) {
		current = len(st.openShards())
		// AWS's words, one sentence for each way (quoted from the service
		// by users: "… Current open shard count: 1 Target shard count: 4").
		if target > 2*current {
			return nil, clientErr("InvalidArgumentException",
				"UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: %d Target shard count: %d", current, target)
		}
		if target*2 < current {
			return nil, clientErr("InvalidArgumentException",
				"UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: %d Target shard count: %d", current, target)
		}
		if target == current {
			return nil, clientErr("InvalidArgumentException", "Stream %s under account %s already has %d open shards.", name, s.env.AccountID, current)
		}
		if e := s.checkShardLimit(inAccount, target-current); e != nil {
			return nil, e
		}
		return &pendingChange{Kind: "scale", Target: target}, nil
	})
	if apiErr != nil {
		return nil, apiErr
	}
	return map[string]any{"StreamName": name, "StreamARN": s.streamARN(name), "CurrentShardCount": current, "TargetShardCount": target}, nil
}

// startReshard puts an ACTIVE stream into UPDATING with the change plan
// returns; the change is applied when UPDATING ends.
func (s *Service) startReshard(st *stream, plan func() (*pendingChange, *apiError)) (any, *apiError) {
	var apiErr *apiError
	err := s.updateStream(st, func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			apiErr = s.streamNotFound(st.name)
			return nil
		}
		if st.meta.Mode == modeOnDemand {
			// Kinesis manages an on-demand stream's shards itself; its
			// model gives SplitShard, MergeShards and UpdateShardCount a
			// ValidationException for this (the wording is spk's).
			apiErr = clientErr("ValidationException", "Stream %s under account %s is in ON_DEMAND mode; this API is only supported for data streams with the provisioned capacity mode.", st.name, s.env.AccountID)
			return nil
		}
		if st.meta.Status != statusActive {
			apiErr = s.streamNotActive(st.name, st.meta.Status)
			return nil
		}
		var p *pendingChange
		if p, apiErr = plan(); apiErr != nil {
			return nil
		}
		st.meta.Status, st.meta.StatusSinceMs, st.meta.Pending = statusUpdating, s.nowMs(), p
		return saveStream(tx, &st.meta)
	})
	if err != nil {
		s.env.Log.Error("reshard", "stream", st.name, "err", err)
		return nil, internalFailure()
	}
	if apiErr != nil {
		return nil, apiErr
	}
	s.after(s.env.UpdateDelay, func() { s.finishTransition(st) })
	return struct{}{}, nil
}

// applyPending performs the stream's planned resharding inside tx; the
// caller holds st.mu. Closing a shard here is serialised with writes, which
// also run in write transactions under st.mu, so EndingSequenceNumber is
// final.
func (s *Service) applyPending(tx *store.Tx, st *stream) error {
	p := st.meta.Pending
	if p == nil {
		return nil
	}
	now := s.nowMs()
	closeShard := func(sh *shardMeta) {
		// The newest record on disk, not the last counter handed out: a
		// put whose commit failed, or a grouped put run twice, leaves
		// counters that no record has.
		sh.ClosedMs, sh.EndCounter = now, sh.TrimmedTo
		if b := shardBucket(tx, st.name, sh.Index); b != nil {
			if k, _ := b.Cursor().Last(); k != nil {
				sh.EndCounter = max(sh.EndCounter, decodeCounter(k))
			}
		}
	}
	addShard := func(parent, adjacent int, start, end hashKey) (*shardMeta, error) {
		sh := &shardMeta{Index: len(st.meta.Shards), Parent: parent, AdjacentParent: adjacent, CreatedMs: now}
		sh.setRange(start, end)
		st.meta.Shards = append(st.meta.Shards, sh)
		return sh, createShardBucket(tx, st.name, sh.Index)
	}
	switch p.Kind {
	case "split":
		sh := st.shard(p.Shard)
		key, _ := parseHashKey(p.NewStartKey)
		if sh == nil || !sh.open() {
			return nil
		}
		closeShard(sh)
		if _, err := addShard(sh.Index, -1, sh.start, key.sub1()); err != nil {
			return err
		}
		_, err := addShard(sh.Index, -1, key, sh.end)
		return err
	case "merge":
		a, b := st.shard(p.Shard), st.shard(p.Adjacent)
		if a == nil || b == nil || !a.open() || !b.open() {
			return nil
		}
		closeShard(a)
		closeShard(b)
		start, end := a.start, b.end
		if b.start.cmp(a.start) < 0 {
			start, end = b.start, a.end
		}
		_, err := addShard(a.Index, b.Index, start, end)
		return err
	case "scale":
		// As Kinesis does, scaling is splits, then merges, so that every
		// new shard has at most two parents and every closed shard has
		// children (a KCL reads a child only after its parents). Shards
		// made and closed on the way hold no records.
		old := st.openShards()
		sort.Slice(old, func(i, j int) bool { return old[i].start.cmp(old[j].start) < 0 })
		targets := evenRanges(p.Target)
		// Split each open shard at every target boundary inside it.
		var pieces []*shardMeta
		for _, cur := range old {
			for _, t := range targets[1:] {
				if at := t[0]; at.cmp(cur.start) > 0 && at.cmp(cur.end) <= 0 {
					closeShard(cur)
					left, err := addShard(cur.Index, -1, cur.start, at.sub1())
					if err != nil {
						return err
					}
					right, err := addShard(cur.Index, -1, at, cur.end)
					if err != nil {
						return err
					}
					pieces, cur = append(pieces, left), right
				}
			}
			pieces = append(pieces, cur)
		}
		// Merge the pieces within each target range, left to right.
		next := 0
		for _, t := range targets {
			cur := pieces[next]
			for next++; next < len(pieces) && pieces[next].start.cmp(t[1]) <= 0; next++ {
				closeShard(cur)
				closeShard(pieces[next])
				merged, err := addShard(cur.Index, pieces[next].Index, cur.start, pieces[next].end)
				if err != nil {
					return err
				}
				cur = merged
			}
		}
	}
	return nil
}

// adjacent reports whether b's range starts right after a's.
func adjacent(a, b *shardMeta) bool {
	return a.end != maxHashKey && a.end.add1() == b.start
}
