package sink_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/bucket"
	"github.com/spk-cli/spk/stream/sink"
	"github.com/spk-cli/spk/stream/view"
)

// BenchmarkThreeViews is the per-record work of bench/consumer's "four"
// views besides the tutorial's: the fields picked once, then each view's
// keys and its batch's Add (projection and accumulator).
func BenchmarkThreeViews(b *testing.B) {
	views, err := view.CompileAll([]view.Definition{
		{Name: "size", GroupBy: []string{"type"}, Window: view.Window{Size: time.Minute}, Metrics: []string{"sum:bytes", "min:bytes", "max:bytes", "avg:bytes"}},
		{Name: "visitors", Window: view.Window{Size: time.Minute}, Metrics: []string{"distinct:ip"}},
		{Name: "paths", Window: view.Window{Size: time.Minute}, Metrics: []string{"top:path:10"}},
	}, "t")
	if err != nil {
		b.Fatal(err)
	}
	types := []string{"Green", "Blue", "Red", "Yellow"}
	recs := make([][]byte, 1000)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"timestamp": "2015-06-05T12:54:43.064528", "type": "%s", "id": "4ec80fb1-0963-4e35-8f54-ce760499d974", "bytes": %d.%02d, "ip": "10.0.%d.%d", "path": "/p%d"}`,
			types[i%4], i*7%5000, i%100, i%256, i/256, i%40)
	}
	picker := view.NewPicker(view.Paths(views))
	t0 := time.Date(2015, 6, 5, 12, 54, 43, 0, time.UTC)
	batches := make([]*sink.ViewBatch, len(views))
	caches := make([]view.KeyCache, len(views))
	for i, v := range views {
		batches[i] = sink.NewViewBatch("s", v)
	}
	var picked view.Picked
	var keys []bucket.Key
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if n%10000 == 0 {
			for _, vb := range batches {
				vb.Reset()
			}
		}
		var err error
		if picked, err = picker.PickValid(recs[n%len(recs)], &picked); err != nil {
			b.Fatal(err)
		}
		p := sink.Position{Seq: "1", Sub: int64(n)}
		for i, v := range views {
			if keys, err = v.KeysCached(keys[:0], &picked, t0, &caches[i]); err != nil {
				b.Fatal(err)
			}
			if err := batches[i].Add(keys, p, &picked); err != nil {
				b.Fatal(err)
			}
		}
		n++
	}
}
