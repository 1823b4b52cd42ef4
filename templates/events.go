package templates

import "embed"

// Events holds the built-in event templates of `spk generate-events`, one
// file per template named NAME.tmpl (see docs/generate-events.md for the
// template format).
//
//go:embed events/*.tmpl
var Events embed.FS
