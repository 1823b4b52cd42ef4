package kinesis

import (
	"time"

	"github.com/spk-cli/spk/provision/local/store"
)

// maxTrimPerTx bounds one trimming transaction so writers are not held up.
const maxTrimPerTx = 10000

func (s *Service) trimLoop() {
	defer s.wg.Done()
	t := time.NewTicker(trimInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.trimAll()
		}
	}
}

// trimAll deletes records older than their stream's retention period.
func (s *Service) trimAll() {
	s.mu.RLock()
	streams := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.RUnlock()
	for _, st := range streams {
		for s.trimStream(st) {
		}
	}
}

// trimStream trims one batch; it reports whether more may be left.
func (s *Service) trimStream(st *stream) (more bool) {
	err := s.updateStream(st, func(tx *store.Tx) error {
		st.mu.Lock()
		defer st.mu.Unlock()
		if st.gone {
			return nil
		}
		cutoff := st.meta.retentionCutoff(s.nowMs())
		budget := maxTrimPerTx
		changed := false
		for _, sh := range st.meta.Shards {
			b := shardBucket(tx, st.name, sh.Index)
			if b == nil {
				continue
			}
			var old [][]byte
			c := b.Cursor()
			for k, v := c.First(); k != nil && recordArrival(v) < cutoff; k, v = c.Next() {
				if len(old) == budget {
					more = true
					break
				}
				old = append(old, k)
			}
			for _, k := range old {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			if len(old) > 0 {
				sh.TrimmedTo = max(sh.TrimmedTo, decodeCounter(old[len(old)-1]))
				budget -= len(old)
				changed = true
			}
		}
		if changed {
			return saveStream(tx, &st.meta)
		}
		return nil
	})
	if err != nil {
		s.env.Log.Error("trim records", "stream", st.name, "err", err)
		return false
	}
	return more
}
