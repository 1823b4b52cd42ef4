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
			if err := s.commit(s.maintainStreams); err != nil && err != errClosed {
				s.log.Warn("dynamodb: stream maintenance", "err", err)
			}
			if err := s.commit(s.forgetOldTokens); err != nil && err != errClosed {
				s.log.Warn("dynamodb: forget old transaction tokens", "err", err)
			}
		case <-s.stop:
			return
		}
	}
}

// maintainStreams runs inside a commit: it may run more than once.
func (s *Service) maintainStreams(tx *store.Tx) error {
	now := s.env.Now()
	top := tx.Bucket(streamsBucket)
	var arns []string
	if err := top.ForEachBucket(func(k []byte) error {
		arns = append(arns, string(k))
		return nil
	}); err != nil {
		return err
	}
	for _, arn := range arns {
		sb := openStream(tx, arn)
		sm, err := sb.meta()
		if err != nil {
			return err
		}
		if sm.expired(now) {
			if err := sb.records.drop(); err != nil {
				return err
			}
			if err := top.DeleteBucket([]byte(arn)); err != nil {
				return err
			}
			continue
		}
		if _, err := sb.rollOver(now); err != nil {
			return err
		}
		if err := trimStream(sb, &sm, now); err != nil {
			return err
		}
	}
	return nil
}

// trimStream removes records and closed shards past retention.
func trimStream(sb *streamBuckets, sm *streamMeta, now time.Time) error {
	cut := uint64(now.Add(-streamRetention).UnixMilli())
	through := sm.TrimmedThrough
	c := sb.records.Cursor()
	for k, v := c.First(); k != nil && binary.BigEndian.Uint64(v) < cut; k, v = c.First() {
		through = max(through, binary.BigEndian.Uint64(k))
		if err := c.Delete(); err != nil {
			return err
		}
	}
	if through != sm.TrimmedThrough {
		sm.TrimmedThrough = through
		if err := sb.putMeta(sm); err != nil {
			return err
		}
	}
	shards, keys, err := sb.shardList()
	if err != nil {
		return err
	}
	for i, sh := range shards {
		if sh.expired(now) {
			if err := sb.shards.Delete(keys[i]); err != nil {
				return err
			}
		}
	}
	return nil
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
