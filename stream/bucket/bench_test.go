package bucket

import (
	"testing"
	"time"
)

func BenchmarkKey(b *testing.B) {
	bk := &Bucketer{Size: time.Minute, GroupBy: "type", MaxBytes: 1 << 16}
	data := []byte(`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "4ec80fb1-0963-4e35-8f54-ce760499d974"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bk.Key(data); err != nil {
			b.Fatal(err)
		}
	}
}
