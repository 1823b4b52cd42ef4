package kinesis

// Counts is the number of streams and of their open shards, for the
// endpoint's metrics.
func (s *Service) Counts() (streams, openShards int) {
	s.mu.RLock()
	all := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		all = append(all, st)
	}
	s.mu.RUnlock()
	for _, st := range all {
		st.mu.Lock()
		for _, sh := range st.meta.Shards {
			if sh.open() {
				openShards++
			}
		}
		st.mu.Unlock()
	}
	return len(all), openShards
}
