package kinesis

// DefaultShardLimit is AWS's default shard quota per account in a region
// (the developer guide's "Quotas and limits"): 20 000 in US East (N.
// Virginia), US West (Oregon) and Europe (Ireland); "1,000 or 6,000"
// elsewhere, of which spk takes the smaller. Env.ShardLimit overrides it.
func DefaultShardLimit(region string) int {
	switch region {
	case "us-east-1", "us-west-2", "eu-west-1":
		return 20000
	}
	return 1000
}

func (s *Service) shardLimit() int {
	if s.env.ShardLimit > 0 {
		return s.env.ShardLimit
	}
	return DefaultShardLimit(s.env.Region)
}

// accountShards counts the open shards of all the account's streams, as
// Kinesis counts them against the limit: a stream still CREATING counts
// the shards it is being created with, and one UPDATING the shards its
// split or scaling will add. It takes the service's lock and each stream's
// in turn, never two at once, so it must be called with neither held; a
// caller that then adds shards holds shardsMu across both.
func (s *Service) accountShards() int {
	s.mu.RLock()
	streams := make([]*stream, 0, len(s.streams))
	for _, st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.RUnlock()
	n := 0
	for _, st := range streams {
		st.mu.Lock()
		if !st.gone {
			n += len(st.openShards()) + st.pendingShards()
		}
		st.mu.Unlock()
	}
	return n
}

// checkShardLimit answers LimitExceededException, in the words Kinesis
// uses (as recorded by kinesalite), when adding more shards to an account
// that has current open would exceed the limit.
func (s *Service) checkShardLimit(current, more int) *apiError {
	limit := s.shardLimit()
	if more <= 0 || current+more <= limit {
		return nil
	}
	return clientErr("LimitExceededException",
		"This request would exceed the shard limit for the account %s in %s. Current shard count for the account: %d. Limit: %d. "+
			"Number of additional shards that would have resulted from this request: %d. Refer to the AWS Service Limits page "+
			"(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.",
		s.env.AccountID, s.env.Region, current, limit, more)
}

// pendingShards is how many open shards the stream's planned reshard will
// add when its UPDATING ends; the caller holds st.mu.
func (st *stream) pendingShards() int {
	p := st.meta.Pending
	switch {
	case p == nil:
		return 0
	case p.Kind == "split":
		return 1
	case p.Kind == "scale":
		return max(0, p.Target-len(st.openShards()))
	}
	return 0
}
