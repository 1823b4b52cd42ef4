package dynamodb

// Counts is the number of tables and of the items in them, for the
// endpoint's metrics. Both are kept as the tables change, so this costs
// one pass over the tables.
func (s *Service) Counts() (tables int, items int64) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, t := range s.tables {
		items += t.itemCount.Load()
	}
	return len(s.tables), items
}
