package tui

import (
	"regexp"
	"strings"
)

// urlRE finds the endpoint URLs spk writes in details and headers.
var urlRE = regexp.MustCompile(`https?://[^\s,()]+`)

// urls are the URLs in s, joined with ", "; empty when there are none.
func urls(s string) string {
	return strings.Join(urlRE.FindAllString(s, -1), ", ")
}

// minHead is the fewest cells worth keeping of the words before a URL.
const minHead = 12

// fitKeepingURL is fit, except that a URL in s stays whole when it fits in
// width at all: the words before it and after it are cut instead. Where
// requests go is what a user needs to read.
func fitKeepingURL(s string, width int) string {
	if displayWidth(s) <= width {
		return s
	}
	loc := urlRE.FindStringIndex(s)
	if loc == nil {
		return fit(s, width)
	}
	before, u, after := s[:loc[0]], s[loc[0]:loc[1]], s[loc[1]:]
	uw := displayWidth(u)
	if uw > width {
		return fit(s, width)
	}
	if after != "" && displayWidth(before)+uw+1 <= width {
		// Only what follows the URL has to go.
		return before + u + fit(after, width-displayWidth(before)-uw)
	}
	room := width - uw
	if after != "" {
		room-- // the ellipsis that ends the cut tail
	}
	if room < minHead {
		// A stub of the words before says nothing: the URL leads instead.
		return u + fit(after, width-uw)
	}
	var head string
	if before != "" {
		if room < 2 {
			head = ""
		} else {
			head = fit(strings.TrimRight(before, " "), room-1) + " "
			if displayWidth(head) > room {
				head = ""
			}
		}
	}
	out := head + u
	if after != "" {
		out += "…"
	}
	return out
}
