package results

import (
	"fmt"
	"strings"
	"time"

	"github.com/spk-cli/spk/stream/bucket"
)

// ParseBound reads a --since or --until value: a duration before now
// ("15m", "2h"), or a date-time in UTC unless it carries a zone
// ("2015-06-05T12:54", "2015-06-05T12:54:00.000", "2015-06-05T14:54:00+02:00",
// "2015-06-05").
func ParseBound(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("time %q is negative: give how long ago, such as 15m", s)
		}
		return now.Add(-d).UTC(), nil
	}
	if t, err := bucket.ParseTime(s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is neither a duration nor a date-time: use 15m, 2015-06-05T12:54 or 2015-06-05T12:54:00Z", s)
}
