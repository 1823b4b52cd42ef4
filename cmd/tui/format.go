package tui

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/spk-cli/spk/internal/termsafe"
)

// eighths are the partial blocks that give bars sub-cell precision.
var eighths = []string{"", "▏", "▎", "▍", "▌", "▋", "▊", "▉"}

// bar draws value against max in at most width cells. A value above zero
// always shows at least a sliver.
func bar(value, max int64, width int) string {
	if width <= 0 || value <= 0 || max <= 0 {
		return ""
	}
	if value > max {
		value = max
	}
	units := int(math.Round(float64(value) * float64(width*8) / float64(max)))
	if units == 0 {
		units = 1
	}
	return strings.Repeat("█", units/8) + eighths[units%8]
}

// sparkTicks are the heights of a sparkline, lowest first.
var sparkTicks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws the last width values, scaled to the largest of them.
func sparkline(values []float64, width int) string {
	if width <= 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	var b strings.Builder
	for range width - len(values) {
		b.WriteRune(' ')
	}
	for _, v := range values {
		i := 0
		if top > 0 && v > 0 {
			i = int(math.Round(v / top * float64(len(sparkTicks)-1)))
		}
		b.WriteRune(sparkTicks[i])
	}
	return b.String()
}

// count writes n with thousands separators: 12,345.
func count[T ~int | ~int64 | ~uint64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate writes events per second: 1,234/s, 98/s, 2.5/s.
func rate(perSec float64) string {
	switch {
	case perSec <= 0:
		return "0/s"
	case perSec < 10:
		return strconv.FormatFloat(perSec, 'f', 1, 64) + "/s"
	}
	return count(int64(math.Round(perSec))) + "/s"
}

// lag writes MillisBehindLatest; negative means unknown.
func lag(ms int64) string {
	switch {
	case ms < 0:
		return "—"
	case ms < 1000:
		return fmt.Sprintf("%d ms", ms)
	case ms < 60_000:
		return fmt.Sprintf("%.1f s", float64(ms)/1000)
	}
	return (time.Duration(ms) * time.Millisecond).Round(time.Second).String()
}

// took writes how long a step took.
func took(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// fit truncates s (which may hold ANSI styles) to width cells, with an
// ellipsis when it had to cut.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) <= width {
		return s
	}
	return ansi.Truncate(s, width, "…")
}

// wrapWords splits a one-line text into lines of at most width cells,
// breaking only at spaces, so a command or a flag such as
// --until-caught-up stays whole to copy (ansi.Wrap also breaks at
// hyphens); a word wider than a line is cut where it must be.
func wrapWords(s string, width int) []string {
	if width <= 0 {
		return []string{s}
	}
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		switch {
		case line == "":
		case ansi.StringWidth(line)+1+ansi.StringWidth(w) <= width:
			line += " " + w
			continue
		default:
			lines = append(lines, line)
		}
		parts := strings.Split(ansi.Hardwrap(w, width, true), "\n")
		lines = append(lines, parts[:len(parts)-1]...)
		line = parts[len(parts)-1]
	}
	return append(lines, line)
}

// pad fills s with spaces to width cells, on the right (or left when right
// aligned).
func pad(s string, width int, right bool) string {
	n := width - ansi.StringWidth(s)
	if n <= 0 {
		return s
	}
	if right {
		return strings.Repeat(" ", n) + s
	}
	return s + strings.Repeat(" ", n)
}

// oneLine turns a multi-line message into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// safe is text spk did not write (event types, group values, lease owners,
// errors from an endpoint) as the views print it: control, format and
// bidirectional characters escaped, so that data cannot drive the terminal.
// Widths are measured on what safe returns.
func safe(s string) string { return termsafe.Escape(s) }

// safeAll is safe applied to each of cs, in a new slice.
func safeAll(cs []string) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = safe(c)
	}
	return out
}

// displayWidth is how many terminal cells s takes.
func displayWidth(s string) int { return ansi.StringWidth(s) }
