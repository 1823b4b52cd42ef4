package dynamodb

import (
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// streamsMaintainer rolls idle shards over and removes what retention
// expired. Reads apply retention by time on their own, so this only keeps
// the store from growing and DescribeStream's shard list current.
func (s *Service) streamsMaintainer() {
	defer s.wg.Done()
	tick := time.NewTicker(streamsMaintenance)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			// Batch after batch, each its own commit, so that writers wait
			// for one batch at most (a day of records expiring at once,
			// after the endpoint was stopped for a day, is many).
			for more := true; more; {
				err := s.commit(func(tx *store.Tx) (err error) {
					more, err = s.maintainStreams(tx)
					return err
				})
				if err != nil {
					if err != errClosed {
						s.log.Warn("dynamodb: stream maintenance", "err", err)
					}
					break
				}
				select {
				case <-s.stop:
					return
				default:
				}
			}
			if err := s.commit(s.forgetOldTokens); err != nil && err != errClosed {
				s.log.Warn("dynamodb: forget old transaction tokens", "err", err)
			}
		case <-s.stop:
			return
		}
	}
}

// maxStreamTrimPerTx bounds the records one maintenance commit removes, so
// writers, which share the store's one write transaction, are not held up.
const maxStreamTrimPerTx = 10000

// maintainStreams runs inside a commit: it may run more than once. It
// removes at most maxStreamTrimPerTx records and reports whether more are
// left for another commit.
func (s *Service) maintainStreams(tx *store.Tx) (more bool, err error) {
	now := s.env.Now()
	top := tx.Bucket(streamsBucket)
	var arns []string
	if err := top.ForEachBucket(func(k []byte) error {
		arns = append(arns, string(k))
		return nil
	}); err != nil {
		return false, err
	}
	budget := maxStreamTrimPerTx
	for _, arn := range arns {
		if budget == 0 {
			return true, nil
		}
		sb := openStream(tx, arn)
		sm, err := sb.meta()
		if err != nil {
			return false, err
		}
		if sm.expired(now) {
			n, done, err := sb.records.drop(budget)
			if err != nil {
				return false, err
			}
			budget -= n
			if !done {
				return true, nil
			}
			if err := top.DeleteBucket([]byte(arn)); err != nil {
				return false, err
			}
			continue
		}
		if _, err := sb.rollOver(now); err != nil {
			return false, err
		}
		n, err := trimStream(sb, &sm, now, budget)
		if err != nil {
			return false, err
		}
		budget -= n
	}
	return budget == 0, nil
}

// trimStream removes at most budget records past retention, and the closed
// shards past it; it returns how many records it removed.
func trimStream(sb *streamBuckets, sm *streamMeta, now time.Time, budget int) (int, error) {
	cut := uint64(now.Add(-streamRetention).UnixMilli())
	through := sm.TrimmedThrough
	// Keys first, then deletions: a cursor that deletes and seeks back to
	// the start walks every leaf it emptied again (bbolt merges them only
	// at commit), which made a large trim quadratic.
	var old []uint64
	c := sb.records.Cursor()
	for k, v := c.First(); k != nil && len(old) < budget && binary.BigEndian.Uint64(v) < cut; k, v = c.Next() {
		old = append(old, binary.BigEndian.Uint64(k))
	}
	for _, seq := range old {
		if err := sb.records.Delete(seq); err != nil {
			return 0, err
		}
		through = max(through, seq)
	}
	if through != sm.TrimmedThrough {
		sm.TrimmedThrough = through
		if err := sb.putMeta(sm); err != nil {
			return 0, err
		}
	}
	shards, keys, err := sb.shardList()
	if err != nil {
		return 0, err
	}
	for i, sh := range shards {
		if sh.expired(now) {
			if err := sb.shards.Delete(keys[i]); err != nil {
				return 0, err
			}
		}
	}
	return len(old), nil
}

// adoptStoredStreamSpec gives a table stored by an spk without streams,
// whose meta kept the StreamSpecification it was given, the stream that
// specification asked for.
func (s *Service) adoptStoredStreamSpec(tx *store.Tx, m *tableMeta) error {
	if m.LatestStreamArn != "" || len(m.StreamSpecification) == 0 {
		return nil
	}
	var sp streamSpec
	json.Unmarshal(m.StreamSpecification, &sp)
	m.StreamSpecification = nil
	if sp.StreamEnabled == nil || !*sp.StreamEnabled || sp.StreamViewType == nil || !streamViewTypes[*sp.StreamViewType] {
		return nil
	}
	return startStream(tx, m, *sp.StreamViewType, s.env.Now(), 0)
}
