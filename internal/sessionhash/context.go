package sessionhash

import (
	"context"
	"time"
)

// DetachedContext returns a context for a commit or delete that a client
// disconnecting must not abort: ctx's values without its cancellation,
// bounded by timeout instead.
func DetachedContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}
