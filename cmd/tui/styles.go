package tui

import (
	"hash/fnv"
	"io"
	"os"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Colors says how much colour the views may use.
type Colors int

// The colour choices. ColorAuto follows the output: none when it is not a
// terminal or NO_COLOR is set.
const (
	ColorAuto Colors = iota
	ColorNone
	ColorANSI
	Color256
	ColorTrue
)

// ColorsFor is the choice a command makes from its streams: colour when
// allowed (a terminal, no NO_COLOR), none otherwise.
func ColorsFor(colorEnabled bool) Colors {
	if colorEnabled {
		return ColorAuto
	}
	return ColorNone
}

func (c Colors) profile(w io.Writer) termenv.Profile {
	switch c {
	case ColorNone:
		return termenv.Ascii
	case ColorANSI:
		return termenv.ANSI
	case Color256:
		return termenv.ANSI256
	case ColorTrue:
		return termenv.TrueColor
	}
	if _, off := os.LookupEnv("NO_COLOR"); off {
		return termenv.Ascii
	}
	return termenv.NewOutput(w).EnvColorProfile()
}

// styles are the views' styles, bound to one renderer so that a pinned
// profile (tests, NO_COLOR) holds whatever the process's terminal is.
type styles struct {
	r                                 *lipgloss.Renderer
	plain, bold, dim, title, header   lipgloss.Style
	ok, warn, bad, running, key, note lipgloss.Style
}

func newStyles(w io.Writer, c Colors) styles {
	if w == nil {
		w = io.Discard
	}
	r := lipgloss.NewRenderer(w)
	r.SetColorProfile(c.profile(w))
	// Said outright so lipgloss never queries the terminal for it.
	r.SetHasDarkBackground(true)
	fg := func(ansi, c256, tc string) lipgloss.Style {
		return r.NewStyle().Foreground(lipgloss.CompleteColor{ANSI: ansi, ANSI256: c256, TrueColor: tc})
	}
	return styles{
		r:       r,
		plain:   r.NewStyle(),
		bold:    r.NewStyle().Bold(true),
		dim:     fg("8", "245", "#8a8a8a"),
		title:   fg("5", "170", "#d75fd7").Bold(true),
		header:  fg("8", "250", "#bcbcbc").Bold(true),
		ok:      fg("2", "42", "#00d787"),
		warn:    fg("3", "214", "#ffaf00"),
		bad:     fg("1", "203", "#ff5f5f").Bold(true),
		running: fg("6", "45", "#00d7ff"),
		key:     fg("7", "252", "#d0d0d0").Bold(true),
		note:    fg("6", "117", "#87d7ff"),
	}
}

// typeColors are the tutorial's event types in their own colours.
var typeColors = map[string]lipgloss.CompleteColor{
	"Red":    {ANSI: "1", ANSI256: "196", TrueColor: "#ff4d4d"},
	"Orange": {ANSI: "3", ANSI256: "208", TrueColor: "#ff8c1a"},
	"Yellow": {ANSI: "11", ANSI256: "226", TrueColor: "#ffe135"},
	"Green":  {ANSI: "2", ANSI256: "40", TrueColor: "#2ecc40"},
	"Blue":   {ANSI: "4", ANSI256: "33", TrueColor: "#2f86ff"},
}

// otherColors colour any other type, picked by a hash of its name so a type
// keeps its colour from one refresh to the next.
var otherColors = []lipgloss.CompleteColor{
	{ANSI: "5", ANSI256: "170", TrueColor: "#d75fd7"},
	{ANSI: "6", ANSI256: "44", TrueColor: "#00d7d7"},
	{ANSI: "13", ANSI256: "213", TrueColor: "#ff87ff"},
	{ANSI: "14", ANSI256: "123", TrueColor: "#87ffff"},
	{ANSI: "10", ANSI256: "156", TrueColor: "#afff87"},
	{ANSI: "12", ANSI256: "111", TrueColor: "#87afff"},
}

func (s styles) typeStyle(t string) lipgloss.Style {
	c, ok := typeColors[t]
	if !ok {
		h := fnv.New32a()
		h.Write([]byte(t))
		c = otherColors[h.Sum32()%uint32(len(otherColors))]
	}
	return s.r.NewStyle().Foreground(c)
}
