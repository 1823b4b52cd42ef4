package tui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/spk-cli/spk/internal/termsafe"
	"github.com/spk-cli/spk/stream/results"
)

// Format is how `spk show` writes rows.
type Format string

// The formats of --output.
const (
	FormatTable Format = "table"
	FormatJSON  Format = "json"
	FormatCSV   Format = "csv"
)

// ParseFormat reads an --output value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatTable, FormatJSON, FormatCSV:
		return f, nil
	case "":
		return FormatTable, nil
	}
	return "", fmt.Errorf("output format %q is not known: use table, json or csv", s)
}

// WriteRows writes rows in format f, for a terminal: CSV cells escaped as
// table cells are (see WriteCSV).
func WriteRows(w io.Writer, f Format, rows []results.Row) error {
	switch f {
	case FormatJSON:
		return WriteJSON(w, rows)
	case FormatCSV:
		return WriteCSV(w, rows, false)
	case FormatTable, "":
		return WriteTable(w, rows)
	}
	return fmt.Errorf("output format %q is not known: use table, json or csv", f)
}

// columns are the aggregate table's attributes, as the DynamoDB console
// shows them.
var columns = []string{
	results.AttrBucketStart, results.AttrEventType, results.AttrCount,
	results.AttrCreatedAt, results.AttrUpdatedAt,
}

func fields(r results.Row) []string {
	return []string{r.BucketStart, r.EventType, strconv.FormatInt(r.Count, 10), r.CreatedAt, r.UpdatedAt}
}

// WriteTable writes rows as aligned columns under a header, sorted by bucket
// then type; counts are right-aligned. Control and format characters in the
// cells are shown escaped (\x1b, \u202e), and columns are as wide as the
// escaped text.
func WriteTable(w io.Writer, rows []results.Row) error {
	_, err := io.WriteString(w, tableText(rows, true))
	return err
}

// tableText is WriteTable's text; without created, the CreatedAt column is
// left out (for narrow screens).
func tableText(rows []results.Row, created bool) string {
	rows = sortedCopy(rows)
	cols := columns
	row := fields
	if !created {
		cols = []string{columns[0], columns[1], columns[2], columns[4]}
		row = func(r results.Row) []string { f := fields(r); return []string{f[0], f[1], f[2], f[4]} }
	}
	cells := make([][]string, len(rows))
	for i, r := range rows {
		cells[i] = safeAll(row(r))
	}
	numeric := make([]bool, len(cols))
	numeric[2] = true // the count
	return alignedColumns(cols, cells, numeric)
}

// WriteJSON writes rows as one indented JSON array (an empty table is []).
// Every character a terminal would act on is a \u escape (termsafe.JSON),
// so the text is safe on a terminal and decodes to the rows as stored.
func WriteJSON(w io.Writer, rows []results.Row) error {
	rows = sortedCopy(rows)
	if rows == nil {
		rows = []results.Row{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(b.Bytes()))
	return err
}

// WriteCSV writes rows as CSV with a header line. With raw, cells are as
// stored, quoted by the CSV rules (for files and pipes); without it, control
// and format characters are escaped as in WriteTable (for a terminal).
func WriteCSV(w io.Writer, rows []results.Row, raw bool) error {
	cw := csv.NewWriter(w)
	cw.Write(columns)
	for _, r := range sortedCopy(rows) {
		cells := fields(r)
		if !raw {
			cells = safeAll(cells)
		}
		cw.Write(cells)
	}
	cw.Flush()
	return cw.Error()
}

// ChartOptions shape WriteChart's output.
type ChartOptions struct {
	// Width is the cells per line; when zero, the terminal's width, or 80
	// when the output is not a terminal.
	Width  int
	Colors Colors // ColorNone for plain text
}

// TerminalWidth is w's width in cells when w is a terminal, else fallback.
func TerminalWidth(w io.Writer, fallback int) int {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if width, _, err := term.GetSize(int(f.Fd())); err == nil && width > 0 {
			return width
		}
	}
	return fallback
}

// WriteChart draws, for each bucket, one horizontal bar per event type, all
// on one scale so buckets compare at a glance.
func WriteChart(w io.Writer, rows []results.Row, opts ChartOptions) error {
	if opts.Width <= 0 {
		opts.Width = TerminalWidth(w, 80)
	}
	return writeChart(w, rows, opts.Width, newStyles(w, opts.Colors))
}

func writeChart(w io.Writer, rows []results.Row, width int, st styles) error {
	rows = sortedCopy(rows)
	if len(rows) == 0 {
		_, err := io.WriteString(w, st.dim.Render("no rows yet")+"\n")
		return err
	}
	var top int64
	typeW, countW := 0, 0
	for _, r := range rows {
		top = max(top, r.Count)
		typeW = max(typeW, displayWidth(safe(r.EventType)))
		countW = max(countW, len(count(r.Count)))
	}
	// "  Type  bar  count"
	barW := max(width-2-typeW-2-1-countW, 1)
	var b strings.Builder
	for i, r := range rows {
		if i == 0 || r.BucketStart != rows[i-1].BucketStart {
			if i > 0 {
				b.WriteString("\n")
			}
			var total int64
			for _, o := range rows[i:] {
				if o.BucketStart != r.BucketStart {
					break
				}
				total += o.Count
			}
			head := st.bold.Render(safe(r.BucketStart)) + st.dim.Render("  total "+count(total))
			b.WriteString(fit(head, width) + "\n")
		}
		ts := st.typeStyle(r.EventType)
		bars := pad(ts.Render(bar(r.Count, top, barW)), barW, false)
		b.WriteString("  " + pad(ts.Render(safe(r.EventType)), typeW, false) + "  " + bars + " " + pad(count(r.Count), countW, true) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedCopy(rows []results.Row) []results.Row {
	if rows == nil {
		return nil
	}
	out := append([]results.Row(nil), rows...)
	results.Sort(out)
	return out
}
