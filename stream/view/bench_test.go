package view

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkDefaultView(b *testing.B) {
	v, _ := Compile(DefaultDefinition())
	data := []byte(`{"timestamp": "2015-06-05T12:54:43.064528", "type": "Green", "id": "4ec80fb1-0963-4e35-8f54-ce760499d974"}`)
	acc := v.NewAcc()
	b.ReportAllocs()
	for b.Loop() {
		ev, _ := DecodeJSON(data)
		t, _ := EventTime(ev, Path{"timestamp"})
		if _, err := v.Keys(ev, t); err != nil {
			b.Fatal(err)
		}
		_ = acc.Observe(ev)
	}
}

func BenchmarkAllMetrics(b *testing.B) {
	v, _ := Compile(Definition{Name: "all", Where: "status >= 500", GroupBy: []string{"path"}, Window: Window{Size: 5 * time.Minute, Slide: time.Minute},
		Metrics: []string{"count", "sum:bytes", "min:bytes", "max:bytes", "avg:bytes", "distinct:ip", "top:agent:10"}})
	evs := make([]Fields, 1000)
	for i := range evs {
		evs[i] = Fields{"status": IntValue(503), "path": StringValue("/a"), "bytes": IntValue(int64(i)), "ip": StringValue(fmt.Sprint("10.0.", i%256, ".", i/256)), "agent": StringValue(fmt.Sprint("agent-", i%97))}
	}
	acc := v.NewAcc()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ev := evs[i%len(evs)]
		i++
		if v.Match(ev) {
			_ = acc.Observe(ev)
		}
	}
}
