package consume

import "time"

// SetRenewAfter shortens how long c reads a subscription before it
// replaces it.
func SetRenewAfter(c *Consumer, d time.Duration) { c.renewAfter = d }

// PagesHeld is the bytes of pages c has read and not yet given back.
func PagesHeld(c *Consumer) int { return c.pages.held() }
