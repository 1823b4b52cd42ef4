package tui

import "strings"

// alignedColumns writes a header and rows as columns two spaces apart,
// each as wide as its widest cell (on screen), numeric columns aligned
// right, the last column unpadded and no line ending in spaces. The cells
// are already escaped. spk show's tables, of counts and of views, are
// written by it.
func alignedColumns(cols []string, cells [][]string, numeric []bool) string {
	width := make([]int, len(cols))
	for i, c := range cols {
		width[i] = displayWidth(c)
	}
	for _, cs := range cells {
		for j, c := range cs {
			width[j] = max(width[j], displayWidth(c))
		}
	}
	line := func(cs []string) string {
		var b strings.Builder
		for j, c := range cs {
			if j > 0 {
				b.WriteString("  ")
			}
			switch {
			case numeric[j]:
				b.WriteString(pad(c, width[j], true))
			case j == len(cs)-1:
				b.WriteString(c)
			default:
				b.WriteString(pad(c, width[j], false))
			}
		}
		return strings.TrimRight(b.String(), " ") + "\n"
	}
	var b strings.Builder
	b.WriteString(line(cols))
	for _, cs := range cells {
		b.WriteString(line(cs))
	}
	return b.String()
}
