// Package templates holds the files spk writes or renders: the documented
// spk.yaml sample and the event templates of generate-events.
package templates

import _ "embed"

// SpkYAML is the documented sample configuration that `spk config init` writes.
//
//go:embed spk.yaml
var SpkYAML []byte
