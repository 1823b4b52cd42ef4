package view

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/spk-cli/spk/stream/bucket"
)

// TestWindowsAtTheEdgesOfTime checks that no window start falls outside the
// years 0001 to 9999: near year 9999 every start is before the event, and
// near year 1 the windows that would start in year 0 are left out.
func TestWindowsAtTheEdgesOfTime(t *testing.T) {
	day := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		name string
		w    Window
		at   time.Time
		want []string
	}{
		{"5m/1m at the last second", Window{Size: 5 * time.Minute, Slide: time.Minute}, bucket.MaxTime,
			[]string{"9999-12-31T23:55:00.000", "9999-12-31T23:56:00.000", "9999-12-31T23:57:00.000", "9999-12-31T23:58:00.000", "9999-12-31T23:59:00.000"}},
		{"5m tumbling at the last second", Window{Size: 5 * time.Minute}, bucket.MaxTime, []string{"9999-12-31T23:55:00.000"}},
		{"1d/6h at the last second", Window{Size: 24 * time.Hour, Slide: 6 * time.Hour}, bucket.MaxTime,
			[]string{"9999-12-31T00:00:00.000", "9999-12-31T06:00:00.000", "9999-12-31T12:00:00.000", "9999-12-31T18:00:00.000"}},
		{"5m/1m at the first instant", Window{Size: 5 * time.Minute, Slide: time.Minute}, bucket.MinTime, []string{"0001-01-01T00:00:00.000"}},
		{"5m/1m two minutes in", Window{Size: 5 * time.Minute, Slide: time.Minute}, day(1, 1, 1, 0, 2).Add(30 * time.Second),
			[]string{"0001-01-01T00:00:00.000", "0001-01-01T00:01:00.000", "0001-01-01T00:02:00.000"}},
		{"5m/1m four minutes in: all five", Window{Size: 5 * time.Minute, Slide: time.Minute}, day(1, 1, 1, 0, 4),
			[]string{"0001-01-01T00:00:00.000", "0001-01-01T00:01:00.000", "0001-01-01T00:02:00.000", "0001-01-01T00:03:00.000", "0001-01-01T00:04:00.000"}},
		{"1d/6h seven hours in", Window{Size: 24 * time.Hour, Slide: 6 * time.Hour}, day(1, 1, 1, 7, 0),
			[]string{"0001-01-01T00:00:00.000", "0001-01-01T06:00:00.000"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := mustCompile(t, Definition{Name: "s", GroupBy: []string{"type"}, Window: c.w, Metrics: []string{"count"}})
			var got []string
			for _, s := range v.Windows(c.at) {
				got = append(got, bucket.Format(s))
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Windows(%s) = %v, want %v", c.at.Format(time.RFC3339Nano), got, c.want)
			}
			ev := Fields{"type": StringValue("Red")}
			keys, err := v.Keys(ev, c.at)
			if err != nil {
				t.Fatal(err)
			}
			cached, err := v.KeysCached(nil, ev, c.at, &KeyCache{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(keys, cached) || len(keys) != len(c.want) {
				t.Fatalf("Keys %v, KeysCached %v, want %d keys", keys, cached, len(c.want))
			}
			for i, k := range keys {
				if k.Start != c.want[i] {
					t.Errorf("key %d starts %s, want %s", i, k.Start, c.want[i])
				}
			}
		})
	}
}

// timedEvent is an event that carries its own time, as an access-log line.
type timedEvent struct {
	Fields
	t time.Time
}

func (e timedEvent) Time() time.Time { return e.t }

func TestEventTimeRange(t *testing.T) {
	p := Path{"timestamp"}
	for _, tt := range []struct {
		name   string
		ev     Event
		reason bucket.Reason
		detail string
	}{
		{"year 0000 after UTC", mustJSON(t, `{"timestamp":"0000-01-01T00:00:00+01:00"}`), bucket.TimeOutOfRange,
			`timestamp "0000-01-01T00:00:00+01:00" is -0001-12-31T23:00:00Z in UTC, outside the years 0001 to 9999`},
		{"year 10000 after UTC", mustJSON(t, `{"timestamp":"9999-12-31T23:59:59-23:59"}`), bucket.TimeOutOfRange,
			`timestamp "9999-12-31T23:59:59-23:59" is 10000-01-01T23:58:59Z in UTC, outside the years 0001 to 9999`},
		{"+24:00", mustJSON(t, `{"timestamp":"2015-06-05T12:54:43+24:00"}`), bucket.BadTimestamp,
			`timestamp "2015-06-05T12:54:43+24:00" has zone offset +24:00 beyond ±23:59`},
		{"a timed event in year 10000", timedEvent{Fields{}, time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, bucket.TimeOutOfRange,
			"the event time is 10000-01-01T00:00:00Z in UTC, outside the years 0001 to 9999"},
		{"a timed event in year 0", timedEvent{Fields{}, time.Date(1, 1, 1, 0, 30, 0, 0, time.FixedZone("", 3600))}, bucket.TimeOutOfRange,
			"the event time is 0000-12-31T23:30:00Z in UTC, outside the years 0001 to 9999"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EventTime(tt.ev, p)
			var rej *bucket.RejectError
			if !errors.As(err, &rej) || rej.Reason != tt.reason || rej.Detail != tt.detail {
				t.Fatalf("EventTime error = %#v\nwant reason %s, detail %s", err, tt.reason, tt.detail)
			}
		})
	}
	// The edges themselves are times.
	for _, at := range []time.Time{bucket.MinTime, bucket.MaxTime} {
		if got, err := EventTime(timedEvent{Fields{}, at}, p); err != nil || !got.Equal(at) {
			t.Errorf("EventTime(%v) = %v, %v", at, got, err)
		}
	}
}
