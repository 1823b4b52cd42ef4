package kinesis

import "time"

// SetSubscriptionLifetime makes subscriptions of endpoints started from now
// on last d instead of five minutes; the returned func restores it.
func SetSubscriptionLifetime(d time.Duration) (restore func()) {
	old := subscriptionLifetime
	subscriptionLifetime = d
	return func() { subscriptionLifetime = old }
}

// ServedSubscriptions is the number of subscriptions being served.
func ServedSubscriptions() int64 { return servedSubscriptions.Load() }
