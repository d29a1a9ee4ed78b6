package hashcodec

import "github.com/redis-session/redis-session-go/internal/layout"

// ErrTimeRange is returned (wrapped) by the stores' commits and saves for a
// deadline or expiry after the year 9999, the latest the layout can hold:
// every stored time is Unix milliseconds (see the package documentation).
// Nothing is written.
var ErrTimeRange = layout.ErrTimeRange
