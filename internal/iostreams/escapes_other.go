//go:build !windows

package iostreams

import "os"

// enableEscapes: terminals elsewhere read escape sequences as they are.
func enableEscapes(*os.File) bool { return true }
