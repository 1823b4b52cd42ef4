package kinesis

import (
	"fmt"
	"math/big"
	"slices"
	"testing"
)

type listedShard struct {
	ShardId, ParentShardId, AdjacentParentShardId string
	HashKeyRange                                  struct{ StartingHashKey, EndingHashKey string }
	SequenceNumberRange                           struct{ EndingSequenceNumber *string }
}

func (s *Service) listedShards(t *testing.T, stream string) []listedShard {
	t.Helper()
	var out struct{ Shards []listedShard }
	s.mustCall(t, "ListShards", `{"StreamName":"`+stream+`"}`, &out)
	return out.Shards
}

// UpdateShardCount from any layout leaves a lineage a KCL can follow:
// every closed shard is a parent of some shard (so it has ChildShards and
// its readers reach them), no shard has more than two parents, and the
// open shards are the even ranges of the target count.
func TestUpdateShardCountLeavesAFollowableLineage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		create int
		splits [][2]string // shard, new starting hash key, before scaling
		target int
	}{
		{"five to three", 5, nil, 3},
		{"three to four", 3, nil, 4},
		{"two to four", 2, nil, 4},
		{"uneven to two", 2, [][2]string{
			{"shardId-000000000000", new(big.Int).Lsh(big.NewInt(1), 125).String()},
			{"shardId-000000000002", new(big.Int).Lsh(big.NewInt(1), 124).String()},
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t, nil)
			s.mustCall(t, "CreateStream", fmt.Sprintf(`{"StreamName":"scaled","ShardCount":%d}`, tc.create), nil)
			s.mustCall(t, "PutRecord", `{"StreamName":"scaled","PartitionKey":"p","ExplicitHashKey":"0","Data":"`+b64("x")+`"}`, nil)
			for _, sp := range tc.splits {
				s.mustCall(t, "SplitShard", `{"StreamName":"scaled","ShardToSplit":"`+sp[0]+`","NewStartingHashKey":"`+sp[1]+`"}`, nil)
			}
			s.mustCall(t, "UpdateShardCount", fmt.Sprintf(`{"StreamName":"scaled","TargetShardCount":%d,"ScalingType":"UNIFORM_SCALING"}`, tc.target), nil)

			shards := s.listedShards(t, "scaled")
			byID := map[string]listedShard{}
			isParent := map[string]bool{}
			for _, sh := range shards {
				byID[sh.ShardId] = sh
				isParent[sh.ParentShardId], isParent[sh.AdjacentParentShardId] = true, true
			}
			// A child's keys all come from its parents: its range lies
			// within theirs, so a reader that finishes the parents first
			// keeps every key's order.
			for _, sh := range shards {
				if sh.ParentShardId == "" {
					continue
				}
				lo, hi := keyRange(byID[sh.ParentShardId])
				if sh.AdjacentParentShardId != "" {
					alo, ahi := keyRange(byID[sh.AdjacentParentShardId])
					if alo.Cmp(lo) < 0 {
						lo = alo
					}
					if ahi.Cmp(hi) > 0 {
						hi = ahi
					}
				}
				clo, chi := keyRange(sh)
				if clo.Cmp(lo) < 0 || chi.Cmp(hi) > 0 {
					t.Errorf("shard %s (%v-%v) reaches beyond its parents %s and %s (%v-%v)", sh.ShardId, clo, chi, sh.ParentShardId, sh.AdjacentParentShardId, lo, hi)
				}
			}
			var open []listedShard
			for _, sh := range shards {
				if sh.SequenceNumberRange.EndingSequenceNumber == nil {
					open = append(open, sh)
					continue
				}
				if !isParent[sh.ShardId] {
					t.Errorf("closed shard %s is nobody's parent", sh.ShardId)
				}
				// Its reader reaches the end and is told the children.
				var out struct {
					NextShardIterator *string
					ChildShards       []struct{ ShardId string }
				}
				s.mustCall(t, "GetRecords", `{"ShardIterator":"`+s.trimHorizonIterator(t, "scaled", sh.ShardId)+`","Limit":10000}`, &out)
				if out.NextShardIterator != nil || len(out.ChildShards) == 0 {
					t.Errorf("reading closed shard %s: next iterator %v, children %v", sh.ShardId, out.NextShardIterator, out.ChildShards)
				}
			}
			// In hash key order, the open shards' ranges are the even ones.
			slices.SortFunc(open, func(a, b listedShard) int {
				x, _ := new(big.Int).SetString(a.HashKeyRange.StartingHashKey, 10)
				y, _ := new(big.Int).SetString(b.HashKeyRange.StartingHashKey, 10)
				return x.Cmp(y)
			})
			var got, want []string
			for _, sh := range open {
				got = append(got, sh.HashKeyRange.StartingHashKey+"-"+sh.HashKeyRange.EndingHashKey)
			}
			for _, r := range evenRanges(tc.target) {
				want = append(want, r[0].String()+"-"+r[1].String())
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("open shards %v, want the even ranges %v", got, want)
			}
		})
	}
}

func keyRange(sh listedShard) (lo, hi *big.Int) {
	lo, _ = new(big.Int).SetString(sh.HashKeyRange.StartingHashKey, 10)
	hi, _ = new(big.Int).SetString(sh.HashKeyRange.EndingHashKey, 10)
	return lo, hi
}

func (s *Service) trimHorizonIterator(t *testing.T, stream, shard string) string {
	t.Helper()
	var out struct{ ShardIterator string }
	s.mustCall(t, "GetShardIterator", `{"StreamName":"`+stream+`","ShardId":"`+shard+`","ShardIteratorType":"TRIM_HORIZON"}`, &out)
	return out.ShardIterator
}
