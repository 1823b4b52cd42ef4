package consume

import "time"

// SetRenewAfter shortens how long c reads a subscription before it
// replaces it.
func SetRenewAfter(c *Consumer, d time.Duration) { c.renewAfter = d }
