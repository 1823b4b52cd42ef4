package attr

import "testing"

// BenchmarkAppendStoredJSON measures Query's per-item cost: transcoding a
// stored item of the benchmark's shape to its JSON form.
func BenchmarkAppendStoredJSON(b *testing.B) {
	stored := AppendItem(nil, Item{
		"BucketStart": StrValue("q3"),
		"EventType":   StrValue("e0042"),
		"count":       NumValue("42"),
		"detail":      StrValue("some event detail text"),
	})
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		buf, _, err = AppendStoredJSON(buf[:0], stored)
		if err != nil {
			b.Fatal(err)
		}
	}
}
