package iostreams

import "golang.org/x/sys/windows"

// echoOff turns a console's echo off, keeping its line editing and Ctrl-C,
// and returns what turns it back on.
func echoOff(fd int) (restore func(), err error) {
	h := windows.Handle(fd)
	var old uint32
	if err := windows.GetConsoleMode(h, &old); err != nil {
		return nil, err
	}
	// Echo can only be off with line input on, which keeps the console's editing.
	silent := old&^windows.ENABLE_ECHO_INPUT | windows.ENABLE_LINE_INPUT | windows.ENABLE_PROCESSED_INPUT
	if err := windows.SetConsoleMode(h, silent); err != nil {
		return nil, err
	}
	return func() { windows.SetConsoleMode(h, old) }, nil
}
