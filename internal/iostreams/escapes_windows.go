package iostreams

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableEscapes turns on a console's reading of escape sequences (colour,
// erase-line), which Windows leaves off unless a program asks; spk's own
// lines and the dashboard's final report are written outside bubbletea,
// which turns it on only while it runs and then puts back the mode it found.
func enableEscapes(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
